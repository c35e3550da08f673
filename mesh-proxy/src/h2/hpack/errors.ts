// The two ways decoding a header block can fail, and what each costs the HTTP/2 connection.

/** A decoding failure: the HTTP/2 connection must be closed with COMPRESSION_ERROR (RFC 9113 §4.3). */
export class HpackError extends Error {
  override readonly name = 'HpackError';
}

/**
 * The decoded list exceeded maxHeaderListSize (RFC 9113 §6.5.2: sum of name+value lengths + 32 each).
 * The block WAS fully decoded (the dynamic table stays in sync), so the connection survives: the
 * stream gets an error.
 */
export class HeaderListTooLargeError extends Error {
  override readonly name = 'HeaderListTooLargeError';

  constructor(
    readonly size: number,
    readonly limit: number,
  ) {
    super(`header list of ${size} octets exceeds the limit of ${limit}`);
  }
}
