// The encoder's dynamic table: the decoder's ring plus name/value lookups that follow insertions and evictions.

import { DynamicTable, entrySize } from './dynamic-table.js';
import { type NameTraits, nameTraits } from './name-traits.js';
import { STATIC_TABLE_LENGTH } from './static-table.js';

/** The live entries with one name, and the name's traits (so a hit costs one lookup). */
export interface TableName {
  readonly traits: NameTraits;
  /** Sequence number of the newest entry with this name. */
  latest: number;
  /** Sequence number of the newest entry per value. */
  readonly values: Map<string, number>;
}

export class EncoderTable extends DynamicTable {
  private readonly byName = new Map<string, TableName>();
  /** Sequence number of the newest entry (entries are numbered 1, 2, ... as inserted). */
  private inserted = 0;

  /** The live entries named so, or undefined. */
  lookup(name: string): TableName | undefined {
    return this.byName.get(name);
  }

  /** The HPACK index (62 and up) of the entry with this sequence number, which must be live. */
  indexOf(seq: number): number {
    return this.inserted - seq + STATIC_TABLE_LENGTH + 1;
  }

  override add(name: string, value: string, traits: NameTraits = nameTraits(name)): void {
    super.add(name, value);
    if (entrySize(name, value) > this.maxSize) return; // not inserted: it emptied the table (RFC 7541 §4.4)
    const seq = ++this.inserted;
    const entry = this.byName.get(name);
    if (entry === undefined) {
      this.byName.set(name, { traits, latest: seq, values: new Map([[value, seq]]) });
    } else {
      entry.latest = seq;
      entry.values.set(value, seq);
    }
  }

  protected override evicted(name: string, value: string): void {
    // The oldest entry goes first, so its sequence number is the one just past the live ones.
    const seq = this.inserted - this.length;
    const entry = this.byName.get(name);
    if (entry === undefined) return;
    if (entry.latest === seq) {
      // The newest entry of this name is the oldest in the table: it was the last one.
      this.byName.delete(name);
    } else if (entry.values.get(value) === seq) {
      entry.values.delete(value);
    }
  }
}
