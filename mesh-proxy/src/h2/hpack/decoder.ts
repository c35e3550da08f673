// HPACK decoder (RFC 7541 §3, §6): turns one connection's header blocks into header lists, in order.

import { DynamicTable, ENTRY_OVERHEAD } from './dynamic-table.js';
import { HeaderListTooLargeError, HpackError } from './errors.js';
import type { HeaderList } from './header-list.js';
import { huffmanDecode } from './huffman-decode.js';
import { latin1 } from './latin1.js';
import { DEFAULT_MAX_HEADER_LIST_SIZE, DEFAULT_MAX_TABLE_SIZE, MAX_HPACK_INTEGER, sizeOption } from './options.js';
import { STATIC_NAMES, STATIC_TABLE_LENGTH, STATIC_VALUES } from './static-table.js';

export interface HpackDecoderOptions {
  /**
   * Our SETTINGS_HEADER_TABLE_SIZE: the largest dynamic table the peer may ask for, in force from
   * the first block. Default 4096, the protocol's initial value. To advertise less, keep the
   * default here and call setMaxTableSize() when the peer ACKs those SETTINGS: until then its
   * encoder may use 4096 (RFC 9113 §6.5.3).
   */
  maxTableSize?: number;
  /** Our SETTINGS_MAX_HEADER_LIST_SIZE (RFC 9113 §6.5.2). Default 65536. */
  maxHeaderListSize?: number;
}

const NO_BYTES = new Uint8Array(0);

export class HpackDecoder {
  private readonly table: DynamicTable;
  private maxTableSize: number;
  private readonly maxHeaderListSize: number;
  /** Set when our limit dropped below the table's size: the next block must open with an update (RFC 9113 §4.3.1). */
  private sizeUpdateRequired = false;
  private block: Uint8Array = NO_BYTES;
  private pos = 0;

  /**
   * Positions, in the list the last decode() returned, of fields sent as "never indexed"
   * (RFC 7541 §6.2.3). A relay must re-encode exactly those as never indexed too
   * (HpackEncoder.encode's second argument). Reused by every decode().
   */
  readonly neverIndexed: number[] = [];

  constructor(options: HpackDecoderOptions = {}) {
    this.maxTableSize = sizeOption('maxTableSize', options.maxTableSize, DEFAULT_MAX_TABLE_SIZE);
    this.maxHeaderListSize = sizeOption('maxHeaderListSize', options.maxHeaderListSize, DEFAULT_MAX_HEADER_LIST_SIZE);
    // Until the peer's first size update, its encoder may use all the table our SETTINGS allow.
    this.table = new DynamicTable(this.maxTableSize);
  }

  /** Octets the dynamic table holds (RFC 7541 §4.1). */
  get tableSize(): number {
    return this.table.size;
  }

  /** The dynamic table, newest entry (index 62) first; for tests and diagnostics. */
  tableEntries(): HeaderList {
    return this.table.entries();
  }

  /**
   * Applies a new SETTINGS_HEADER_TABLE_SIZE of ours. Call it when the peer ACKs the SETTINGS that
   * carried it: blocks before the ACK were encoded under the old limit. A size update above n is
   * from then on a COMPRESSION_ERROR; if n is below the table's current maximum, the next block must
   * start with a size update (as nghttp2 also requires).
   */
  setMaxTableSize(n: number): void {
    this.maxTableSize = sizeOption('maxTableSize', n, n);
    if (n < this.table.maxSize) this.sizeUpdateRequired = true;
  }

  /** Decodes one complete header block (HEADERS + CONTINUATION fragments already joined). */
  decode(block: Uint8Array): HeaderList {
    const headers: HeaderList = [];
    const end = block.length;
    const table = this.table;
    const limit = this.maxHeaderListSize;
    this.block = block;
    this.pos = 0;
    if (this.neverIndexed.length !== 0) this.neverIndexed.length = 0;
    let listSize = 0;
    let fieldSeen = false;

    if (this.sizeUpdateRequired && (end === 0 || (block[0]! & 0xe0) !== 0x20)) {
      throw new HpackError('header block does not start with the dynamic table size update our new SETTINGS require');
    }

    while (this.pos < end) {
      const first = block[this.pos]!;
      let name: string;
      let value: string;
      let never = false;
      if (first & 0x80) {
        // §6.1 Indexed Header Field
        const index = this.readInteger(7);
        if (index === 0) throw new HpackError('indexed header field with index 0');
        if (index <= STATIC_TABLE_LENGTH) {
          name = STATIC_NAMES[index]!;
          value = STATIC_VALUES[index]!;
        } else {
          const i = index - STATIC_TABLE_LENGTH - 1;
          if (i >= table.length) throw new HpackError(`index ${index} is beyond the dynamic table (${table.length} entries)`);
          name = table.name(i);
          value = table.value(i);
        }
      } else if (first & 0x40) {
        // §6.2.1 Literal Header Field with Incremental Indexing
        name = this.readName(6);
        value = this.readString();
        table.add(name, value);
      } else if (first & 0x20) {
        // §6.3 Dynamic Table Size Update: only before the first field (§4.2), never above our SETTINGS.
        if (fieldSeen) throw new HpackError('dynamic table size update after a header field');
        const size = this.readInteger(5);
        if (size > this.maxTableSize) {
          throw new HpackError(`dynamic table size update to ${size} exceeds our SETTINGS_HEADER_TABLE_SIZE of ${this.maxTableSize}`);
        }
        table.setMaxSize(size);
        this.sizeUpdateRequired = false;
        continue;
      } else {
        // §6.2.2 without indexing (0000xxxx) and §6.2.3 never indexed (0001xxxx)
        name = this.readName(4);
        value = this.readString();
        never = (first & 0x10) !== 0;
      }
      fieldSeen = true;
      listSize += name.length + value.length + ENTRY_OVERHEAD;
      // Past the limit, keep decoding (the table must stay in sync) but stop collecting.
      if (listSize <= limit) {
        if (never) this.neverIndexed.push(headers.length);
        headers.push([name, value]);
      }
    }
    this.block = NO_BYTES;
    if (listSize > limit) throw new HeaderListTooLargeError(listSize, limit);
    return headers;
  }

  /** Reads an integer with an N-bit prefix (RFC 7541 §5.1) at pos, which must be inside the block. */
  private readInteger(prefixBits: number): number {
    const block = this.block;
    let pos = this.pos;
    const max = (1 << prefixBits) - 1;
    let value = block[pos++]! & max;
    if (value === max) {
      let multiplier = 1;
      for (;;) {
        if (pos >= block.length) throw new HpackError('header block ends inside an integer');
        const octet = block[pos++]!;
        value += (octet & 0x7f) * multiplier;
        if (value > MAX_HPACK_INTEGER) throw new HpackError('integer exceeds 2^31-1');
        if ((octet & 0x80) === 0) break;
        multiplier *= 128;
        // Five continuation octets carry 35 bits; more can only be zero padding, which we refuse.
        if (multiplier > 2 ** 28) throw new HpackError('integer encoding longer than 5 continuation octets');
      }
    }
    this.pos = pos;
    return value;
  }

  /** A literal's name: an index (static or dynamic) in the N-bit prefix, or 0 and a string. */
  private readName(prefixBits: number): string {
    const index = this.readInteger(prefixBits);
    if (index === 0) return this.readString();
    if (index <= STATIC_TABLE_LENGTH) return STATIC_NAMES[index]!;
    const i = index - STATIC_TABLE_LENGTH - 1;
    if (i >= this.table.length) throw new HpackError(`name index ${index} is beyond the dynamic table (${this.table.length} entries)`);
    return this.table.name(i);
  }

  /** A string literal (RFC 7541 §5.2): H flag, 7-bit-prefix length, octets. */
  private readString(): string {
    const block = this.block;
    if (this.pos >= block.length) throw new HpackError('header block ends before a string literal');
    const huffman = (block[this.pos]! & 0x80) !== 0;
    const length = this.readInteger(7);
    const start = this.pos;
    const end = start + length;
    if (end > block.length) throw new HpackError(`string literal of ${length} octets runs past the end of the header block`);
    this.pos = end;
    return huffman ? huffmanDecode(block, start, end) : latin1(block, start, end);
  }
}
