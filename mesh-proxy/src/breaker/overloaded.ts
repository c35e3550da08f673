// The error a concurrency limiter sheds a request with; the router answers UNAVAILABLE with its message.

export type OverloadReason = 'max_active' | 'max_pending';

/** UNAVAILABLE, not RESOURCE_EXHAUSTED: the request never reached the upstream, so the caller may try elsewhere. */
export class Overloaded extends Error {
  override readonly name = 'Overloaded';

  constructor(
    readonly reason: OverloadReason,
    readonly limit: number,
  ) {
    super(
      reason === 'max_pending'
        ? `upstream overloaded: ${limit} requests already waiting for a connection slot`
        : `upstream overloaded: ${limit} requests already in flight`,
    );
  }
}
