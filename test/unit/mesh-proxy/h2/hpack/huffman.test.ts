import test from 'ava';
import { HpackError } from '../../../../../mesh-proxy/src/h2/hpack/index.js';
import { EOS, HUFFMAN_CODE } from '../../../../../mesh-proxy/src/h2/hpack/huffman-code.js';
import { huffmanDecode } from '../../../../../mesh-proxy/src/h2/hpack/huffman-decode.js';
import { NOT_OCTETS, NOT_SHORTER, huffmanEncode, huffmanLength } from '../../../../../mesh-proxy/src/h2/hpack/huffman-encode.js';
import { randomLatin1 } from './random-headers.js';

function encode(str: string): Buffer {
  const length = huffmanLength(str);
  const out = Buffer.alloc(length + 4);
  const end = huffmanEncode(str, out, 0, length + 1);
  if (end !== length) throw new Error(`wrote ${end} octets, expected ${length}`);
  return out.subarray(0, end);
}

const decode = (bytes: Uint8Array): string => huffmanDecode(bytes, 0, bytes.length);

test('hpack - the Huffman table is the canonical, complete code RFC 7541 Appendix B describes', (t) => {
  t.is(HUFFMAN_CODE.length, 257);
  // Canonical: sorted by (length, symbol), each code is the previous one plus one, shifted left
  // by the growth in length. A mistyped code or length breaks the chain.
  const bySize = HUFFMAN_CODE.map(([code, bits], symbol) => ({ code, bits, symbol })).sort(
    (a, b) => a.bits - b.bits || a.symbol - b.symbol,
  );
  let expected = 0;
  let kraft = 0;
  bySize.forEach((entry, i) => {
    if (i > 0) expected = (expected + 1) * 2 ** (entry.bits - bySize[i - 1]!.bits);
    t.is(entry.code, expected, `symbol ${entry.symbol}`);
    kraft += 2 ** -entry.bits;
  });
  t.is(kraft, 1, 'the code is complete (Kraft sum 1)');
  t.deepEqual(HUFFMAN_CODE[EOS], [0x3fffffff, 30]);
  // Spot checks against rows of Appendix B.
  t.deepEqual(HUFFMAN_CODE[47], [0x18, 6]);
  t.deepEqual(HUFFMAN_CODE[0], [0x1ff8, 13]);
  t.deepEqual(HUFFMAN_CODE[255], [0x3ffffee, 26]);
});

test('hpack - Huffman encodes the RFC 7541 C.4 and C.6 strings to the octets given there', (t) => {
  const known: Array<[string, string]> = [
    ['www.example.com', 'f1e3c2e5f23a6ba0ab90f4ff'],
    ['no-cache', 'a8eb10649cbf'],
    ['custom-key', '25a849e95ba97d7f'],
    ['custom-value', '25a849e95bb8e8b4bf'],
    ['302', '6402'],
    ['307', '640eff'],
    ['private', 'aec3771a4b'],
    ['Mon, 21 Oct 2013 20:13:21 GMT', 'd07abe941054d444a8200595040b8166e082a62d1bff'],
    ['Mon, 21 Oct 2013 20:13:22 GMT', 'd07abe941054d444a8200595040b8166e084a62d1bff'],
    ['https://www.example.com', '9d29ad171863c78f0b97c8e9ae82ae43d3'],
    ['gzip', '9bd9ab'],
    [
      'foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1',
      '94e7821dd7f2e6c7b335dfdfcd5b3960d5af27087f3672c1ab270fb5291f9587316065c003ed4ee5b1063d5007',
    ],
  ];
  for (const [plain, coded] of known) {
    t.is(encode(plain).toString('hex'), coded, plain);
    t.is(decode(Buffer.from(coded, 'hex')), plain, plain);
  }
});

test('hpack - Huffman round-trips every octet value, alone and all together', (t) => {
  let all = '';
  for (let octet = 0; octet < 256; octet++) {
    const one = String.fromCharCode(octet);
    t.is(decode(encode(one)), one, `octet ${octet}`);
    t.is(decode(encode(one.repeat(9))), one.repeat(9), `octet ${octet} x9`);
    all += one;
  }
  t.is(decode(encode(all)), all);
  t.is(decode(encode([...all].reverse().join(''))), [...all].reverse().join(''));
});

test('hpack - Huffman round-trips random octet strings of every length up to 300', (t) => {
  for (let length = 0; length <= 300; length++) {
    for (let k = 0; k < 5; k++) {
      const str = randomLatin1(length, k % 2 === 0 ? 'any' : 'printable');
      const coded = encode(str);
      t.is(decode(coded), str);
    }
  }
  t.is(decode(new Uint8Array(0)), '', 'the empty string is zero octets');
});

test('hpack - Huffman coding refuses a string that is not octets', (t) => {
  t.is(huffmanLength('caf\u00e9'), 5); // 5 + 5 + 6 + 22 bits
  t.is(huffmanLength('\u20ac'), NOT_OCTETS);
  t.is(huffmanEncode('\u20ac', Buffer.alloc(8), 0, 4), NOT_OCTETS);
});

test('hpack - Huffman coding gives up once it is no shorter than the limit', (t) => {
  const out = Buffer.alloc(64);
  // 'www.example.com' codes to 12 octets.
  t.is(huffmanEncode('www.example.com', out, 0, 13), 12);
  t.is(huffmanEncode('www.example.com', out, 0, 12), NOT_SHORTER);
  t.is(huffmanEncode('\u00ff\u00ff', out, 10, 12), NOT_SHORTER, 'two 26-bit codes');
  t.is(huffmanEncode('', out, 5, 6), 5);
});

test('hpack - Huffman padding longer than 7 bits is an error', (t) => {
  // 'a' is 00011; 00011 111 is the whole padding allowed. One more all-ones octet is 11 bits of it.
  t.is(decode(Buffer.from([0x1f])), 'a');
  t.throws(() => decode(Buffer.from([0x1f, 0xff])), { instanceOf: HpackError, message: /longer than 7 bits/ });
  t.throws(() => decode(Buffer.from([0xff])), { instanceOf: HpackError, message: /longer than 7 bits/ });
  t.throws(() => decode(Buffer.from([0xff, 0xff, 0xff])), { instanceOf: HpackError });
});

test('hpack - Huffman padding that is not the prefix of EOS is an error', (t) => {
  // 'a' then 000: not ones.
  t.throws(() => decode(Buffer.from([0x18])), { instanceOf: HpackError, message: /not the most significant bits of EOS/ });
  // 'a' then 110.
  t.throws(() => decode(Buffer.from([0x1e])), { instanceOf: HpackError, message: /EOS/ });
  // A whole '0' (00000) and 3 zero bits: a truncated symbol.
  t.throws(() => decode(Buffer.from([0x00])), { instanceOf: HpackError });
});

test('hpack - an EOS symbol inside a Huffman string is an error', (t) => {
  // EOS is 30 ones: ff ff ff fc holds it, then two zero bits.
  t.throws(() => decode(Buffer.from([0xff, 0xff, 0xff, 0xfc])), { instanceOf: HpackError, message: /EOS symbol/ });
  // 'a' (00011) then EOS, then padding: 00011111 11111111 11111111 11111111 11111000 -> with ones: 0x1f ff ff ff ff
  t.throws(() => decode(Buffer.from([0x1f, 0xff, 0xff, 0xff, 0xff])), { instanceOf: HpackError, message: /EOS symbol/ });
  // EOS after a full string too.
  const coded = Buffer.concat([encode('abc').subarray(0, 2), Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff])]);
  t.throws(() => decode(coded), { instanceOf: HpackError });
});
