// Counts the HPACK representations in header blocks, so interop tests can show which ones the peer used.

export interface Census {
  indexedStatic: number;
  indexedDynamic: number;
  incremental: number;
  withoutIndexing: number;
  neverIndexed: number;
  sizeUpdates: number;
  huffmanStrings: number;
  rawStrings: number;
}

export const emptyCensus = (): Census => ({
  indexedStatic: 0,
  indexedDynamic: 0,
  incremental: 0,
  withoutIndexing: 0,
  neverIndexed: 0,
  sizeUpdates: 0,
  huffmanStrings: 0,
  rawStrings: 0,
});

/** Adds the representations of one (valid) block to `census`; a deliberately plain second reading of RFC 7541 §6. */
export function countRepresentations(block: Uint8Array, census: Census): void {
  let pos = 0;
  const integer = (prefixBits: number): number => {
    const max = 2 ** prefixBits - 1;
    let value = block[pos++]! & max;
    if (value < max) return value;
    let multiplier = 1;
    let octet: number;
    do {
      octet = block[pos++]!;
      value += (octet & 0x7f) * multiplier;
      multiplier *= 128;
    } while (octet & 0x80);
    return value;
  };
  const string = (): void => {
    if (block[pos]! & 0x80) census.huffmanStrings++;
    else census.rawStrings++;
    const length = integer(7); // read before adding: integer() moves pos
    pos += length;
  };
  while (pos < block.length) {
    const first = block[pos]!;
    if (first & 0x80) {
      if (integer(7) > 61) census.indexedDynamic++;
      else census.indexedStatic++;
    } else if (first & 0x40) {
      census.incremental++;
      if (integer(6) === 0) string();
      string();
    } else if (first & 0x20) {
      census.sizeUpdates++;
      integer(5);
    } else {
      if (first & 0x10) census.neverIndexed++;
      else census.withoutIndexing++;
      if (integer(4) === 0) string();
      string();
    }
  }
}
