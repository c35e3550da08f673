// Huffman decoding (RFC 7541 §5.2) with an octet-at-a-time state machine built from Appendix B at load.
//
// The code tree for 257 symbols has exactly 256 internal nodes; a state is "which internal node
// the bits so far lead to". For each state and input octet, one precomputed transition gives the
// next state and the 0, 1 or 2 symbols completed on the way (no code is shorter than 5 bits, so
// 8 more bits finish at most two). Decoding is then one table read per octet; the table is
// 256 x 256 x 4 octets = 256 KiB, shared by every connection, built once when the module loads.

import { HpackError } from './errors.js';
import { EOS, HUFFMAN_CODE } from './huffman-code.js';
import { latin1 } from './latin1.js';

const STATES = 256;
const LEAF = 0x1000; // child slot holds LEAF | symbol
const EMPTY = -1;

// Transition layout: bits 0-7 next state, 8-15 first symbol, 16-23 second, 24-25 count, 26 EOS seen.
const SYMBOL_COUNT_SHIFT = 24;
const EOS_SEEN = 1 << 26;

/** Transitions, indexed (state << 8) | octet. */
const TRANSITIONS = new Uint32Array(STATES * 256);
/** 1 where a string may end in this state: the pending bits are at most 7 ones (EOS's prefix). */
const ACCEPTING = new Uint8Array(STATES);
/** 1 where the pending bits are all ones: a string ending there, if not accepting, has too much padding. */
const PADDING_TOO_LONG = new Uint8Array(STATES);

(function buildTables(): void {
  const children = new Int32Array(STATES * 2).fill(EMPTY);
  const depth = new Uint8Array(STATES);
  const allOnes = new Uint8Array(STATES);
  allOnes[0] = 1;
  let nodes = 1;
  HUFFMAN_CODE.forEach(([code, bits], symbol) => {
    let node = 0;
    for (let bit = bits - 1; bit >= 0; bit--) {
      const b = (code >>> bit) & 1;
      const slot = node * 2 + b;
      const child = children[slot]!;
      if (bit === 0) {
        if (child !== EMPTY) throw new Error(`HPACK Huffman table: code of symbol ${symbol} is not prefix-free`);
        children[slot] = LEAF | symbol;
      } else if (child === EMPTY) {
        if (nodes === STATES) throw new Error('HPACK Huffman table: more internal nodes than a 257-symbol code has');
        children[slot] = nodes;
        depth[nodes] = depth[node]! + 1;
        allOnes[nodes] = allOnes[node]! & b;
        node = nodes++;
      } else if (child & LEAF) {
        throw new Error(`HPACK Huffman table: symbol ${child & 0x1ff} is a prefix of symbol ${symbol}`);
      } else {
        node = child;
      }
    }
  });
  if (nodes !== STATES || children.includes(EMPTY)) throw new Error('HPACK Huffman table: the code is incomplete');

  for (let state = 0; state < STATES; state++) {
    ACCEPTING[state] = depth[state]! <= 7 && allOnes[state] ? 1 : 0;
    PADDING_TOO_LONG[state] = allOnes[state]!;
    for (let octet = 0; octet < 256; octet++) {
      let node = state;
      let count = 0;
      let symbols = 0;
      let transition = -1;
      for (let bit = 7; bit >= 0; bit--) {
        const child = children[node * 2 + ((octet >>> bit) & 1)]!;
        if (!(child & LEAF)) {
          node = child;
          continue;
        }
        const symbol = child & 0x1ff;
        if (symbol === EOS) {
          transition = EOS_SEEN;
          break;
        }
        if (count === 2) throw new Error('HPACK Huffman table: an octet completes more than two symbols');
        symbols |= symbol << (8 + 8 * count++);
        node = 0;
      }
      TRANSITIONS[(state << 8) | octet] = transition === -1 ? node | symbols | (count << SYMBOL_COUNT_SHIFT) : transition;
    }
  }
})();

let scratch = new Uint8Array(256);

/** Decodes the Huffman-coded octets src[start..end) into a latin1 string (one char per octet). */
export function huffmanDecode(src: Uint8Array, start: number, end: number): string {
  // The shortest code is 5 bits, so n octets decode to at most 8n/5 symbols.
  const most = (((end - start) * 8) / 5) | 0;
  if (scratch.length < most) scratch = new Uint8Array(Math.max(most, scratch.length * 2));
  const out = scratch;
  let n = 0;
  let state = 0;
  for (let i = start; i < end; i++) {
    const t = TRANSITIONS[(state << 8) | src[i]!]!;
    if (t & EOS_SEEN) throw new HpackError('Huffman-coded string contains the EOS symbol');
    const count = t >>> SYMBOL_COUNT_SHIFT;
    if (count !== 0) {
      out[n++] = t >>> 8;
      if (count === 2) out[n++] = t >>> 16;
    }
    state = t & 0xff;
  }
  if (ACCEPTING[state] === 0) {
    throw new HpackError(
      PADDING_TOO_LONG[state] ? 'Huffman padding longer than 7 bits' : 'Huffman padding is not the most significant bits of EOS',
    );
  }
  return latin1(out, 0, n);
}
