import test from 'ava';
import { HeaderListTooLargeError, HpackDecoder, HpackError } from '../../../../../mesh-proxy/src/h2/hpack/index.js';

/** An HPACK integer (RFC 7541 §5.1) written the plain way, independent of the encoder under test. */
function int(flags: number, prefixBits: number, value: number): number[] {
  const max = 2 ** prefixBits - 1;
  if (value < max) return [flags | value];
  const out = [flags | max];
  value -= max;
  while (value >= 128) {
    out.push((value % 128) | 0x80);
    value = Math.floor(value / 128);
  }
  out.push(value);
  return out;
}

/** A raw (not Huffman) string literal. */
const str = (s: string): number[] => [...int(0, 7, s.length), ...Buffer.from(s, 'latin1')];
const block = (...parts: Array<number | number[]>): Buffer => Buffer.from(parts.flat());

const compressionError = { instanceOf: HpackError };

test('hpack - index 0 is a decoding error', (t) => {
  t.throws(() => new HpackDecoder().decode(block(0x80)), { instanceOf: HpackError, message: /index 0/ });
});

test('hpack - an index beyond the static and dynamic tables is a decoding error', (t) => {
  const decoder = new HpackDecoder();
  t.deepEqual(decoder.decode(block(0xbd)), [['www-authenticate', '']], 'index 61 is the last static entry');
  t.throws(() => decoder.decode(block(0xbe)), { instanceOf: HpackError, message: /index 62 is beyond/ });
  t.throws(() => decoder.decode(block(int(0x40, 6, 62), str('v'))), { instanceOf: HpackError, message: /name index 62/ });
  t.throws(() => decoder.decode(block(int(0x00, 4, 70), str('v'))), compressionError);
  decoder.decode(block(0x40, str('a'), str('b')));
  t.deepEqual(decoder.decode(block(0xbe)), [['a', 'b']], 'index 62 exists once the table has an entry');
  t.throws(() => decoder.decode(block(0xbf)), compressionError);
});

test('hpack - a size update above our SETTINGS_HEADER_TABLE_SIZE is a decoding error', (t) => {
  const decoder = new HpackDecoder({ maxTableSize: 4096 });
  t.deepEqual(decoder.decode(block(int(0x20, 5, 4096), 0x82)), [[':method', 'GET']]);
  t.throws(() => decoder.decode(block(int(0x20, 5, 4097))), { instanceOf: HpackError, message: /exceeds our SETTINGS/ });
});

test('hpack - a size update after the first field is a decoding error', (t) => {
  const decoder = new HpackDecoder();
  t.deepEqual(decoder.decode(block(0x20, int(0x20, 5, 100), 0x82)), [[':method', 'GET']], 'several at the start are fine');
  t.throws(() => decoder.decode(block(0x82, 0x20)), { instanceOf: HpackError, message: /after a header field/ });
  t.throws(() => decoder.decode(block(0x82, int(0x20, 5, 50), 0x82)), compressionError);
});

test('hpack - a size update evicts the oldest entries and a size of 0 empties the table', (t) => {
  const decoder = new HpackDecoder();
  decoder.decode(block(0x40, str('a'), str('1'), 0x40, str('b'), str('2'), 0x40, str('c'), str('3')));
  t.is(decoder.tableSize, 3 * 34);
  decoder.decode(block(int(0x20, 5, 70), 0x82));
  t.deepEqual(decoder.tableEntries(), [
    ['c', '3'],
    ['b', '2'],
  ]);
  decoder.decode(block(0x20, 0x82));
  t.deepEqual(decoder.tableEntries(), []);
  t.is(decoder.tableSize, 0);
  // With a maximum of 0 nothing fits; an insert empties the table and is not an error (RFC 7541 §4.4).
  t.deepEqual(decoder.decode(block(0x40, str('d'), str('4'))), [['d', '4']]);
  t.deepEqual(decoder.tableEntries(), []);
});

test('hpack - after we lower SETTINGS_HEADER_TABLE_SIZE the next block must start with a size update within it', (t) => {
  const decoder = new HpackDecoder();
  decoder.setMaxTableSize(8192);
  t.deepEqual(decoder.decode(block(0x82)), [[':method', 'GET']], 'raising it requires nothing');
  decoder.setMaxTableSize(100);
  t.throws(() => decoder.decode(block(0x82)), { instanceOf: HpackError, message: /does not start with the dynamic table size update/ });
  const fresh = new HpackDecoder();
  fresh.setMaxTableSize(100);
  t.throws(() => fresh.decode(block(int(0x20, 5, 101), 0x82)), compressionError);
  const ok = new HpackDecoder();
  ok.setMaxTableSize(100);
  t.deepEqual(ok.decode(block(int(0x20, 5, 80), 0x82)), [[':method', 'GET']]);
  t.deepEqual(ok.decode(block(0x82)), [[':method', 'GET']], 'only the first block after the change');
});

test('hpack - truncated integers are decoding errors', (t) => {
  const decoder = new HpackDecoder();
  t.throws(() => decoder.decode(block(0xff)), { instanceOf: HpackError, message: /inside an integer/ });
  t.throws(() => decoder.decode(block(0xff, 0x80)), { instanceOf: HpackError, message: /inside an integer/ });
  t.throws(() => decoder.decode(block(0x3f, 0xff)), compressionError);
  t.throws(() => decoder.decode(block(0x40, 0x7f, 0x81)), compressionError, 'inside a string length');
});

test('hpack - truncated strings are decoding errors', (t) => {
  const decoder = new HpackDecoder();
  t.throws(() => decoder.decode(block(0x40)), { instanceOf: HpackError, message: /before a string literal/ });
  t.throws(() => decoder.decode(block(0x41)), { instanceOf: HpackError, message: /before a string literal/ });
  t.throws(() => decoder.decode(block(0x40, 0x05, 0x61, 0x62)), { instanceOf: HpackError, message: /runs past the end/ });
  t.throws(() => decoder.decode(block(0x41, 0x83, 0x64)), { instanceOf: HpackError, message: /runs past the end/ });
  t.throws(() => decoder.decode(block(0x01, str('ok'), 0x01)), compressionError, 'the last field cut short');
});

test('hpack - integers beyond 2^31-1 and overlong integer encodings are decoding errors', (t) => {
  const decoder = new HpackDecoder();
  t.throws(() => decoder.decode(block(0xff, 0xff, 0xff, 0xff, 0xff, 0x0f)), { instanceOf: HpackError, message: /exceeds 2\^31-1/ });
  t.throws(() => decoder.decode(block(int(0x80, 7, 2 ** 31))), { instanceOf: HpackError, message: /exceeds 2\^31-1/ });
  t.throws(() => decoder.decode(block(0x40, int(0, 7, 2 ** 31 - 1))), { instanceOf: HpackError, message: /runs past the end/ }, '2^31-1 itself is read');
  t.throws(() => decoder.decode(block(0xff, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00)), {
    instanceOf: HpackError,
    message: /longer than 5 continuation octets/,
  });
  t.throws(() => decoder.decode(block(0x3f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f)), compressionError);
  t.deepEqual(decoder.decode(new Uint8Array(0)), [], 'an empty block is an empty list');
  t.deepEqual(decoder.decode(block(int(0x20, 5, 1337), int(0x20, 5, 4096))), [], 'a block of size updates only');
});

test('hpack - a Huffman error inside a field is a decoding error', (t) => {
  t.throws(() => new HpackDecoder().decode(block(0x41, 0x81, 0x18)), { instanceOf: HpackError, message: /padding/ });
  t.throws(() => new HpackDecoder().decode(block(0x41, 0x84, 0xff, 0xff, 0xff, 0xfc)), { instanceOf: HpackError, message: /EOS/ });
});

test('hpack - a header list over maxHeaderListSize is a stream error and the next block still decodes', (t) => {
  const decoder = new HpackDecoder({ maxHeaderListSize: 100 });
  // Three indexed literals of 34 + 35 + 36 octets (RFC 9113 §6.5.2 counts 32 per field): 105.
  const big = block(0x40, str('a'), str('1'), 0x40, str('bb'), str('1'), 0x40, str('ccc'), str('1'));
  const error = t.throws(() => decoder.decode(big), { instanceOf: HeaderListTooLargeError });
  t.is(error?.size, 105);
  t.false(error instanceof HpackError, 'not a connection error');
  t.deepEqual(decoder.tableEntries(), [
    ['ccc', '1'],
    ['bb', '1'],
    ['a', '1'],
  ], 'every field of the oversized block reached the table');
  // The peer's encoder indexes them now: 62 = ccc, 63 = bb, 64 = a.
  t.deepEqual(decoder.decode(block(0xc0, 0xbe)), [
    ['a', '1'],
    ['ccc', '1'],
  ]);
  t.deepEqual(decoder.decode(block(0xbe, 0xbf)), [
    ['ccc', '1'],
    ['bb', '1'],
  ], 'a list under the limit decodes');
});

test('hpack - the size limit counts 32 octets per field and allows a list exactly at it', (t) => {
  const decoder = new HpackDecoder({ maxHeaderListSize: 32 + 7 + 4 });
  t.deepEqual(decoder.decode(block(0x83)), [[':method', 'POST']], ':method POST is 43 octets');
  t.throws(() => decoder.decode(block(0x83, 0x82)), { instanceOf: HeaderListTooLargeError });
});

test('hpack - decoding is octet-transparent: every octet value survives in names and values', (t) => {
  let all = '';
  for (let i = 0; i < 256; i++) all += String.fromCharCode(i);
  const raw = block(0x40, str(all), str(all));
  t.deepEqual(new HpackDecoder().decode(raw), [[all, all]]);
});

test('hpack - decoder options are validated by name', (t) => {
  t.throws(() => new HpackDecoder({ maxTableSize: -1 }), { instanceOf: RangeError, message: /maxTableSize/ });
  t.throws(() => new HpackDecoder({ maxHeaderListSize: 1.5 }), { instanceOf: RangeError, message: /maxHeaderListSize/ });
});
