// What a route retries, how often and how long it waits: the policy type, its defaults and its validation.


/** gRPC status UNAVAILABLE: the server says it did not act and the caller may try again. */
const UNAVAILABLE = 14;

/** Retries after the first attempt. */
export const DEFAULT_NUM_RETRIES = 2;
/** Retried gRPC statuses: UNAVAILABLE only; other codes are answers, not transient faults. */
export const DEFAULT_RETRY_ON: readonly number[] = [UNAVAILABLE];
/** No connection could be made: the request was never sent, always safe to retry. */
export const DEFAULT_RETRY_ON_CONNECT_FAILURE = true;
/** RST_STREAM REFUSED_STREAM or past a GOAWAY's last stream id: the server did not process it (RFC 9113 §8.7). */
export const DEFAULT_RETRY_ON_REFUSED_STREAM = true;
/** Other resets before response headers. Unlike the two above, the server may have acted: on by default as asked, but only safe for idempotent methods. */
export const DEFAULT_RETRY_ON_RESET = true;
/** Full-jitter backoff: retry n waits uniformly in [0, min(max, base × 2^(n-1))). */
export const DEFAULT_RETRY_BACKOFF_BASE_MS = 25;
export const DEFAULT_RETRY_BACKOFF_MAX_MS = 250;
/** Request bytes buffered for replay; a request whose body grows past it is not retried. */
export const DEFAULT_MAX_REPLAY_BYTES = 64 * 1024;
/** A retry whose backoff would end later than this before the deadline is not sent: it would have no time to succeed. */
export const DEFAULT_RETRY_DEADLINE_MARGIN_MS = 10;

export interface RetryPolicy {
  /** Retries after the first attempt (default 2). */
  numRetries: number;
  /** gRPC status codes that are retried when they come as a trailers-only response, i.e. before any response was forwarded (default [14] UNAVAILABLE). */
  retryOn: ReadonlySet<number>;
  retryOnConnectFailure: boolean;
  /** RST_STREAM REFUSED_STREAM / GOAWAY-unprocessed: always safe. */
  retryOnRefusedStream: boolean;
  /** Other resets before response headers. */
  retryOnReset: boolean;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Request bytes buffered for replay; a request whose body grows past it is not retried (default 64 KiB). */
  maxReplayBytes: number;
  /** Time a retry must still have before the deadline once its backoff is over (default 10 ms). */
  deadlineMarginMs?: number;
}

export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({
  numRetries: DEFAULT_NUM_RETRIES,
  retryOn: new Set(DEFAULT_RETRY_ON),
  retryOnConnectFailure: DEFAULT_RETRY_ON_CONNECT_FAILURE,
  retryOnRefusedStream: DEFAULT_RETRY_ON_REFUSED_STREAM,
  retryOnReset: DEFAULT_RETRY_ON_RESET,
  backoffBaseMs: DEFAULT_RETRY_BACKOFF_BASE_MS,
  backoffMaxMs: DEFAULT_RETRY_BACKOFF_MAX_MS,
  maxReplayBytes: DEFAULT_MAX_REPLAY_BYTES,
  deadlineMarginMs: DEFAULT_RETRY_DEADLINE_MARGIN_MS,
});
