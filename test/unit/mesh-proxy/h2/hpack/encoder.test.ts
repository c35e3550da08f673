import test from 'ava';
import { HpackDecoder, HpackEncoder, type HeaderList } from '../../../../../mesh-proxy/src/h2/hpack/index.js';
import { huffmanEncode, huffmanLength } from '../../../../../mesh-proxy/src/h2/hpack/huffman-encode.js';
import { RandomRequests, seededRandom } from './random-headers.js';

function huffmanOf(str: string): number[] {
  const out = new Uint8Array(huffmanLength(str) + 4);
  return [...out.subarray(0, huffmanEncode(str, out, 0, out.length))];
}

const grpcRequest = (timeout: string, trace: string): HeaderList => [
  [':method', 'POST'],
  [':scheme', 'http'],
  [':path', '/shop.order.v1.OrderService/PlaceOrder'],
  [':authority', '127.0.0.1:50051'],
  ['content-type', 'application/grpc'],
  ['te', 'trailers'],
  ['grpc-timeout', timeout],
  ['user-agent', 'grpc-node-js/1.14.7'],
  ['grpc-accept-encoding', 'identity,deflate,gzip'],
  ['traceparent', `00-${trace}-b7ad6b7169203331-01`],
];

/** Encodes with a fresh decoder alongside, checking each block decodes to its list and the tables agree. */
function pair(maxTableSize = 4096) {
  const encoder = new HpackEncoder({ maxTableSize });
  const decoder = new HpackDecoder({ maxTableSize: Math.max(maxTableSize, 4096) });
  return {
    encoder,
    decoder,
    send(headers: HeaderList, neverIndex?: number[]): Buffer {
      const bytes = encoder.encode(headers, neverIndex);
      const decoded = decoder.decode(bytes);
      if (JSON.stringify(decoded) !== JSON.stringify(headers)) throw new Error(`round trip changed ${JSON.stringify(headers)}`);
      if (JSON.stringify(decoder.tableEntries()) !== JSON.stringify(encoder.tableEntries())) throw new Error('tables differ');
      return bytes;
    },
  };
}

test('hpack - a repeated gRPC request costs one octet per stable field', (t) => {
  const { send, encoder } = pair();
  const first = send(grpcRequest('999m', '0af7651916cd43dd8448eb211c80319c'));
  const second = send(grpcRequest('998m', '1af7651916cd43dd8448eb211c80319d'));
  // 8 stable fields at one octet; grpc-timeout and traceparent as literals without indexing whose
  // names are dynamic entries (index >= 62: 2 octets with a 4-bit prefix), values Huffman-coded.
  const trace = '00-1af7651916cd43dd8448eb211c80319d-b7ad6b7169203331-01';
  const expected = 8 + (2 + 1 + huffmanLength('998m')) + (2 + 1 + huffmanLength(trace));
  t.is(second.length, expected, `first block ${first.length} octets`);
  t.is(second[0], 0x83, ':method POST is static index 3');
  t.is(second[1], 0x86, ':scheme http is static index 6');
  const names = encoder.tableEntries().map(([name]) => name);
  t.is(names.filter((n) => n === 'grpc-timeout').length, 1, 'a varying field is inserted once, for its name');
  t.is(names.filter((n) => n === 'traceparent').length, 1);
  for (let i = 0; i < 100; i++) send(grpcRequest(`${i}S`, i.toString(16).padStart(32, '0')));
  t.is(encoder.tableEntries().filter(([n]) => n === 'grpc-timeout').length, 1, 'and never again');
});

test('hpack - credentials are never indexed, and the decoder reports them so', (t) => {
  const { send, encoder, decoder } = pair();
  for (const name of ['authorization', 'proxy-authorization', 'cookie', 'set-cookie']) {
    const bytes = send([[name, 'secret-value-1']]);
    t.is(bytes[0]! & 0xf0, 0x10, `${name} uses the never-indexed representation`);
    t.deepEqual(decoder.neverIndexed, [0]);
    send([[name, 'secret-value-1']]);
  }
  t.deepEqual(encoder.tableEntries(), [], 'none reached the table');
});

test('hpack - fields the decoder saw as never indexed are re-encoded as never indexed', (t) => {
  const { send, decoder } = pair();
  send([
    ['x-a', '1'],
    ['x-secret', 'hunter2'],
    ['x-b', '2'],
  ], [1]);
  t.deepEqual(decoder.neverIndexed, [1]);
  t.deepEqual(decoder.tableEntries(), [
    ['x-b', '2'],
    ['x-a', '1'],
  ]);
});

test('hpack - content-length is sent without indexing and never enters the table', (t) => {
  const { send, encoder } = pair();
  for (let i = 0; i < 5; i++) send([['content-length', String(i * 1000)]]);
  t.deepEqual(encoder.tableEntries(), []);
});

test('hpack - strings are Huffman-coded only when that is shorter', (t) => {
  const { send } = pair();
  // Literal with indexing and a literal name: 0x40, name string, value string.
  const huffman = send([['x-name', 'aaaaaaaaaa']]);
  t.deepEqual([...huffman], [0x40, 0x80 | huffmanLength('x-name'), ...huffmanOf('x-name'), 0x87, ...huffmanOf('aaaaaaaaaa')]);
  // 'x-r' is 19 bits, 3 octets: no shorter, so raw; 0xff 0xfe 0xfd are 26-27 bits each.
  const raw = send([['x-r', '\u00ff\u00fe\u00fd']]);
  t.deepEqual([...raw], [0x40, 0x03, 0x78, 0x2d, 0x72, 0x03, 0xff, 0xfe, 0xfd]);
});

test('hpack - Huffman strings of 127 octets and more get a multi-octet length prefix', (t) => {
  // 'a' is 5 bits: 201 of them code to 126 octets (one-octet prefix), 203 to 127 (two octets).
  for (const [count, prefix] of [
    [201, [0x80 | 126]],
    [203, [0xff, 0x00]],
    [300, [0xff, 188 - 127]],
    [2000, [0xff, 0xe3, 0x08]], // 1250 octets: 1250 - 127 = 1123 = 0x63 + 8 * 128
  ] as const) {
    const { send } = pair();
    const value = 'a'.repeat(count);
    const bytes = send([['x-long', value]]);
    // 0x40, the name (Huffman, one-octet prefix), then the value's prefix and coding.
    const at = 2 + huffmanLength('x-long');
    t.deepEqual([...bytes.subarray(at, at + prefix.length)], [...prefix], `${count} x 'a'`);
    t.deepEqual(bytes.subarray(at + prefix.length), Buffer.from(huffmanOf(value)));
  }
});

test('hpack - an entry over 3/4 of the table is sent without indexing', (t) => {
  const { send, encoder } = pair();
  send([['x-big', 'v'.repeat(3100)]]);
  t.deepEqual(encoder.tableEntries(), []);
  send([['x-small', 'v'.repeat(3000)]]);
  t.is(encoder.tableEntries().length, 1);
});

test('hpack - a smaller peer SETTINGS_HEADER_TABLE_SIZE starts the next block with a size update', (t) => {
  const { send, encoder, decoder } = pair();
  send(grpcRequest('1S', 'a'.repeat(32)));
  encoder.setPeerMaxTableSize(100);
  const bytes = send(grpcRequest('2S', 'b'.repeat(32)));
  t.deepEqual([...bytes.subarray(0, 2)], [0x3f, 100 - 31], 'size update to 100');
  t.true(decoder.tableSize <= 100);
  const again = send(grpcRequest('3S', 'c'.repeat(32)));
  t.not(again[0]! & 0xe0, 0x20, 'only once');
});

test('hpack - a table size that shrinks and grows between blocks announces the minimum, then the final size', (t) => {
  const { send, encoder } = pair();
  send(grpcRequest('1S', 'a'.repeat(32)));
  encoder.setPeerMaxTableSize(0);
  encoder.setPeerMaxTableSize(4096);
  const bytes = send(grpcRequest('2S', 'b'.repeat(32)));
  t.deepEqual([...bytes.subarray(0, 4)], [0x20, 0x3f, 0xe1, 0x1f], 'update to 0, then to 4096');
});

test('hpack - our own maxTableSize caps the table and is announced in the first block', (t) => {
  const { send, encoder } = pair(256);
  const bytes = send(grpcRequest('1S', 'a'.repeat(32)));
  t.deepEqual([...bytes.subarray(0, 3)], [0x3f, 0xe1, 0x01], 'size update to 256');
  encoder.setPeerMaxTableSize(65536);
  const next = send(grpcRequest('2S', 'a'.repeat(32)));
  t.not(next[0]! & 0xe0, 0x20, 'a larger peer limit changes nothing above our cap');
  t.true(encoder.tableSize <= 256);
});

test('hpack - a zero-size peer table still encodes every field', (t) => {
  const { send, encoder } = pair();
  encoder.setPeerMaxTableSize(0);
  for (let i = 0; i < 3; i++) send(grpcRequest(`${i}m`, 'f'.repeat(32)));
  t.deepEqual(encoder.tableEntries(), []);
});

test('hpack - random requests round-trip while the peer table size changes under them', (t) => {
  const random = seededRandom(20240607);
  const requests = new RandomRequests(1, 'shop.internal:443', 'any');
  const { send, encoder } = pair();
  for (let i = 0; i < 3000; i++) {
    if (random() < 0.02) encoder.setPeerMaxTableSize([0, 64, 256, 1000, 4096, 65536][Math.floor(random() * 6)]!);
    if (random() < 0.01) {
      encoder.setPeerMaxTableSize(Math.floor(random() * 300));
      encoder.setPeerMaxTableSize(4096);
    }
    send(requests.next());
  }
  t.pass();
});

test('hpack - header strings that are not latin1 are refused', (t) => {
  t.throws(() => new HpackEncoder().encode([['x-euro', '\u20ac']]), { instanceOf: RangeError, message: /latin1/ });
  t.throws(() => new HpackEncoder().encode([['x-euro', `${'a'.repeat(40)}\u20ac`]]), { instanceOf: RangeError });
  t.throws(() => new HpackEncoder().encode([['x-\u20ac', 'a']]), { instanceOf: RangeError });
});

test('hpack - a block that fails to encode leaves the encoder in step with the peer', (t) => {
  const encoder = new HpackEncoder();
  const decoder = new HpackDecoder();
  decoder.decode(encoder.encode([['x-kept', 'before']]));
  // x-new is inserted into our table before x-bad fails; the peer never sees this block.
  t.throws(() => encoder.encode([['x-new', '1'], ['x-bad', '\u20ac']]), { instanceOf: RangeError });
  const next: HeaderList = [
    ['x-new', '1'],
    ['x-kept', 'before'],
  ];
  const bytes = encoder.encode(next);
  t.is(bytes[0], 0x20, 'the next block empties both tables first');
  t.deepEqual(decoder.decode(bytes), next);
  t.deepEqual(decoder.tableEntries(), encoder.tableEntries());
});

test('hpack - encoder options are validated by name', (t) => {
  t.throws(() => new HpackEncoder({ maxTableSize: Number.NaN }), { instanceOf: RangeError, message: /maxTableSize/ });
  t.throws(() => new HpackEncoder().setPeerMaxTableSize(-5), { instanceOf: RangeError, message: /peerMaxTableSize/ });
});
