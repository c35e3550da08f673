// The HPACK dynamic table (RFC 7541 §2.3.2, §4): a FIFO ring of entries with size accounting and eviction.

/** Every entry costs its name and value octets plus this (RFC 7541 §4.1). */
export const ENTRY_OVERHEAD = 32;

const INITIAL_SLOTS = 16; // a power of two; 4096 octets hold at most 128 entries

/** Size of an entry whose strings are latin1 (one char per octet). */
export function entrySize(name: string, value: string): number {
  return name.length + value.length + ENTRY_OVERHEAD;
}

export class DynamicTable {
  private names: string[] = new Array<string>(INITIAL_SLOTS).fill('');
  private values: string[] = new Array<string>(INITIAL_SLOTS).fill('');
  private mask = INITIAL_SLOTS - 1;
  /** Slot the next entry goes into; the newest entry is at head - 1. */
  private head = 0;
  /** Number of entries. */
  length = 0;
  /** Sum of entry sizes, in octets. */
  size = 0;

  constructor(
    /** The maximum size: the last Dynamic Table Size Update, or the HTTP/2 initial 4096. */
    public maxSize: number,
  ) {}

  /** Name of the entry at 0-based position i, 0 being the newest (HPACK index 62). */
  name(i: number): string {
    return this.names[(this.head - 1 - i) & this.mask]!;
  }

  value(i: number): string {
    return this.values[(this.head - 1 - i) & this.mask]!;
  }

  /** Inserts at the front, evicting from the back first; an entry larger than the table empties it (§4.4). */
  add(name: string, value: string): void {
    const size = entrySize(name, value);
    if (size > this.maxSize) {
      while (this.length > 0) this.evictOldest();
      return;
    }
    while (this.size + size > this.maxSize) this.evictOldest();
    if (this.length > this.mask) this.grow();
    this.names[this.head] = name;
    this.values[this.head] = value;
    this.head = (this.head + 1) & this.mask;
    this.length++;
    this.size += size;
  }

  /** Applies a new maximum size, evicting until the table fits (§4.3). */
  setMaxSize(maxSize: number): void {
    this.maxSize = maxSize;
    while (this.size > maxSize) this.evictOldest();
  }

  /** Entries newest first, for tests and diagnostics. */
  entries(): Array<[name: string, value: string]> {
    const list: Array<[string, string]> = [];
    for (let i = 0; i < this.length; i++) list.push([this.name(i), this.value(i)]);
    return list;
  }

  /** Called with each entry as it leaves the table; the encoder overrides it to keep its lookups true. */
  protected evicted(_name: string, _value: string): void {}

  private evictOldest(): void {
    const slot = (this.head - this.length) & this.mask;
    const name = this.names[slot]!;
    const value = this.values[slot]!;
    this.names[slot] = '';
    this.values[slot] = '';
    this.length--;
    this.size -= entrySize(name, value);
    this.evicted(name, value);
  }

  private grow(): void {
    const slots = this.names.length * 2;
    const names = new Array<string>(slots).fill('');
    const values = new Array<string>(slots).fill('');
    for (let i = 0; i < this.length; i++) {
      // Oldest first into 0..length-1, so head becomes length.
      names[i] = this.name(this.length - 1 - i);
      values[i] = this.value(this.length - 1 - i);
    }
    this.names = names;
    this.values = values;
    this.mask = slots - 1;
    this.head = this.length;
  }
}
