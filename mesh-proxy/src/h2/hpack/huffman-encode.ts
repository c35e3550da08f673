// Huffman encoding (RFC 7541 §5.2) from per-octet code and length arrays derived from Appendix B.

import { HUFFMAN_CODE } from './huffman-code.js';

const CODES = new Uint32Array(256);
const BITS = new Uint8Array(256);
for (let octet = 0; octet < 256; octet++) {
  const [code, bits] = HUFFMAN_CODE[octet]!;
  CODES[octet] = code;
  BITS[octet] = bits;
}

/** huffmanEncode's answer when the coding would not be shorter than `limit` allows. */
export const NOT_SHORTER = -1;
/** huffmanEncode's answer when str has a char above 0xff: our header strings are latin1, one char per octet. */
export const NOT_OCTETS = -2;

/**
 * Octets the Huffman coding of str takes, or NOT_OCTETS.
 */
export function huffmanLength(str: string): number {
  let bits = 0;
  for (let i = 0; i < str.length; i++) {
    const c = str.charCodeAt(i);
    if (c > 0xff) return NOT_OCTETS;
    bits += BITS[c]!;
  }
  return (bits + 7) >>> 3;
}

/**
 * Writes the Huffman coding of str at out[pos], the last octet padded with the most significant
 * bits of EOS (all ones), and returns the position after it. Gives up with NOT_SHORTER as soon as
 * the coding reaches `limit`, so the caller can try it against the raw length in one pass; out
 * must have room up to limit + 3 (one code can run 4 octets past a check).
 */
export function huffmanEncode(str: string, out: Uint8Array, pos: number, limit: number): number {
  // acc holds `pending` (< 8) bits not yet written; codes go in at most 24 bits at a time, so
  // acc never needs more than 31 bits and stays a small integer.
  let acc = 0;
  let pending = 0;
  for (let i = 0; i < str.length; i++) {
    const octet = str.charCodeAt(i);
    if (octet > 0xff) return NOT_OCTETS;
    let code = CODES[octet]!;
    let bits = BITS[octet]!;
    if (bits > 24) {
      // Rare octets (controls, some of 0x80-0xff) have 25-30 bit codes: the high part first.
      const high = bits - 24;
      acc = (acc << high) | (code >>> 24);
      pending += high;
      if (pending >= 8) {
        pending -= 8;
        out[pos++] = acc >>> pending;
      }
      code &= 0xffffff;
      bits = 24;
    }
    acc = ((acc & ((1 << pending) - 1)) << bits) | code;
    pending += bits;
    while (pending >= 8) {
      pending -= 8;
      out[pos++] = acc >>> pending;
    }
    if (pos >= limit) return NOT_SHORTER;
  }
  if (pending > 0) {
    out[pos++] = (acc << (8 - pending)) | (0xff >>> pending);
    if (pos >= limit) return NOT_SHORTER;
  }
  return pos;
}
