// HPACK encoder (RFC 7541): turns header lists into header blocks for one connection direction.

import { entrySize } from './dynamic-table.js';
import { EncoderTable } from './encoder-table.js';
import type { HeaderList } from './header-list.js';
import { NOT_OCTETS, huffmanEncode } from './huffman-encode.js';
import { nameTraits, staticFieldIndex } from './name-traits.js';
import { DEFAULT_MAX_TABLE_SIZE, sizeOption } from './options.js';

export interface HpackEncoderOptions {
  /** The most dynamic table we keep, whatever the peer allows. Default 4096. */
  maxTableSize?: number;
}

const INITIAL_SCRATCH = 4096;

const notOctets = (): RangeError => new RangeError('header names and values must be latin1 strings (one char per octet, 0-255)');
const NO_UPDATE = -1;

export class HpackEncoder {
  private readonly table: EncoderTable;
  private readonly maxTableSize: number;
  /** The smallest table size since the last block, to announce first (RFC 7541 §4.2), or NO_UPDATE. */
  private sizeUpdateMin = NO_UPDATE;
  /** The peer's SETTINGS_HEADER_TABLE_SIZE, initially the protocol's 4096 (RFC 9113 §6.5.2). */
  private peerMaxTableSize = DEFAULT_MAX_TABLE_SIZE;
  /** Every block is built here, then copied out once. */
  private scratch = Buffer.allocUnsafe(INITIAL_SCRATCH);
  private pos = 0;

  constructor(options: HpackEncoderOptions = {}) {
    this.maxTableSize = sizeOption('maxTableSize', options.maxTableSize, DEFAULT_MAX_TABLE_SIZE);
    // The peer's decoder starts at SETTINGS_HEADER_TABLE_SIZE's initial 4096 (RFC 9113 §6.5.2).
    const size = Math.min(DEFAULT_MAX_TABLE_SIZE, this.maxTableSize);
    this.table = new EncoderTable(size);
    if (size !== DEFAULT_MAX_TABLE_SIZE) this.sizeUpdateMin = size;
  }

  /** Octets our dynamic table holds (RFC 7541 §4.1). */
  get tableSize(): number {
    return this.table.size;
  }

  /** The dynamic table, newest entry (index 62) first; for tests and diagnostics. */
  tableEntries(): HeaderList {
    return this.table.entries();
  }

  /**
   * The peer's SETTINGS_HEADER_TABLE_SIZE: we may use up to it (we cap our own use at
   * maxTableSize); a change makes the next block start with a Dynamic Table Size Update
   * (RFC 7541 §4.2, §6.3). Call it when the SETTINGS arrive, before ACKing them.
   */
  setPeerMaxTableSize(n: number): void {
    this.peerMaxTableSize = sizeOption('peerMaxTableSize', n, n);
    const size = Math.min(n, this.maxTableSize);
    if (size === this.table.maxSize && this.sizeUpdateMin === NO_UPDATE) return;
    this.sizeUpdateMin = this.sizeUpdateMin === NO_UPDATE ? size : Math.min(this.sizeUpdateMin, size);
    // Shrinking now evicts what the peer will evict on reading the update: the tables stay equal.
    this.table.setMaxSize(size);
  }

  /**
   * Encodes a header list as one header block. `neverIndex` lists positions (ascending) to send
   * as never indexed whatever their name: the decoder's `neverIndexed`, which RFC 7541 §6.2.3
   * obliges a relay to preserve.
   */
  encode(headers: HeaderList, neverIndex?: readonly number[]): Buffer {
    try {
      return this.encodeBlock(headers, neverIndex);
    } catch (error) {
      // The block is lost, but fields before the failing one may be in our table and not the
      // peer's. Empty both: the next block opens with a size update to 0 (RFC 7541 §4.3).
      this.table.setMaxSize(0);
      this.table.setMaxSize(Math.min(this.peerMaxTableSize, this.maxTableSize));
      this.sizeUpdateMin = 0;
      throw error;
    }
  }

  private encodeBlock(headers: HeaderList, neverIndex: readonly number[] | undefined): Buffer {
    const table = this.table;
    this.pos = 0;
    if (this.sizeUpdateMin !== NO_UPDATE) {
      if (this.sizeUpdateMin < table.maxSize) this.writeInteger(0x20, 5, this.sizeUpdateMin);
      this.writeInteger(0x20, 5, table.maxSize);
      this.sizeUpdateMin = NO_UPDATE;
    }
    let nextNever = neverIndex !== undefined && neverIndex.length > 0 ? neverIndex[0]! : -1;
    let neverAt = 0;
    for (let i = 0; i < headers.length; i++) {
      const field = headers[i]!;
      const name = field[0];
      const value = field[1];
      const inTable = table.lookup(name);
      const traits = inTable !== undefined ? inTable.traits : nameTraits(name);
      const nameIndex =
        traits.staticIndex !== 0 ? traits.staticIndex : inTable !== undefined ? table.indexOf(inTable.latest) : 0;
      if (i === nextNever || traits.policy === 'never') {
        if (i === nextNever) nextNever = neverIndex![++neverAt] ?? -1;
        // §6.2.3: a literal whatever the tables hold; the name may still be indexed.
        this.writeLiteral(0x10, 4, nameIndex, name, value);
        continue;
      }
      const staticIndex = staticFieldIndex(traits, value);
      if (staticIndex !== 0) {
        this.writeInteger(0x80, 7, staticIndex);
        continue;
      }
      const seq = inTable?.values.get(value);
      if (seq !== undefined) {
        this.writeInteger(0x80, 7, table.indexOf(seq));
        continue;
      }
      // An entry over 3/4 of the table would flush it (nghttp2 draws the same line).
      const fits = entrySize(name, value) * 4 <= table.maxSize * 3;
      if (fits && (traits.policy === 'index' || nameIndex === 0)) {
        // A 'vary' field whose name no table has is inserted once, so later ones index the name.
        this.writeLiteral(0x40, 6, nameIndex, name, value);
        table.add(name, value, traits);
      } else {
        this.writeLiteral(0x00, 4, nameIndex, name, value);
      }
    }
    return this.copyOut();
  }

  /** A literal field (§6.2): the representation's flags and name index (0: literal name), then the strings. */
  private writeLiteral(flags: number, prefixBits: number, nameIndex: number, name: string, value: string): void {
    this.writeInteger(flags, prefixBits, nameIndex);
    if (nameIndex === 0) this.writeString(name);
    this.writeString(value);
  }

  /** An integer with an N-bit prefix after `flags` (RFC 7541 §5.1). */
  private writeInteger(flags: number, prefixBits: number, value: number): void {
    this.reserve(6);
    const out = this.scratch;
    let pos = this.pos;
    const max = (1 << prefixBits) - 1;
    if (value < max) {
      out[pos++] = flags | value;
    } else {
      out[pos++] = flags | max;
      value -= max;
      while (value >= 0x80) {
        out[pos++] = (value & 0x7f) | 0x80;
        value >>>= 7;
      }
      out[pos++] = value;
    }
    this.pos = pos;
  }

  /** A string literal (§5.2), Huffman-coded only when that is shorter. */
  private writeString(str: string): void {
    const length = str.length;
    // Room for either form: raw needs a prefix of up to 5 octets; Huffman gives up past length + 3.
    this.reserve(length + 6);
    const out = this.scratch;
    const start = this.pos;
    // One pass: code straight after a one-octet length prefix, stopping once it is no shorter.
    const end = huffmanEncode(str, out, start + 1, start + 1 + length);
    if (end >= 0) {
      const coded = end - start - 1;
      if (coded < 0x7f) {
        out[start] = 0x80 | coded;
        this.pos = end;
        return;
      }
      // The length needs more prefix octets: move the coding up (strings over 126 octets only).
      let prefix = 2;
      for (let rest = coded - 0x7f; rest >= 0x80; rest >>>= 7) prefix++;
      out.copyWithin(start + prefix, start + 1, end);
      this.writeInteger(0x80, 7, coded);
      this.pos = start + prefix + coded;
      return;
    }
    if (end === NOT_OCTETS) throw notOctets();
    this.writeInteger(0x00, 7, length);
    let pos = this.pos;
    for (let i = 0; i < length; i++) {
      const octet = str.charCodeAt(i);
      if (octet > 0xff) throw notOctets();
      out[pos++] = octet;
    }
    this.pos = pos;
  }

  /** The block, copied out of the scratch buffer into one of its own (from Node's pool when small). */
  private copyOut(): Buffer {
    const length = this.pos;
    const block = Buffer.allocUnsafe(length);
    const scratch = this.scratch;
    // Buffer#copy costs a native call and a view; a typical block (tens of octets) copies faster here.
    if (length <= 64) for (let i = 0; i < length; i++) block[i] = scratch[i]!;
    else scratch.copy(block, 0, 0, length);
    return block;
  }

  private reserve(octets: number): void {
    if (this.pos + octets <= this.scratch.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.scratch.length * 2, this.pos + octets));
    this.scratch.copy(grown, 0, 0, this.pos);
    this.scratch = grown;
  }
}
