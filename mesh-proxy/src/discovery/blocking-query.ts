// A Consul blocking-query loop: long polls with ?index= (or ?hash=) and ?wait=, yielding updates and errors as events.
// https://developer.hashicorp.com/consul/api-docs/features/blocking
import { backoffMs, systemClock, systemRandom, type Clock, type Random } from '../clock.js';
import { HashCursor, IndexCursor, type BlockingCursor } from './blocking-cursor.js';
import type { ConsulClient, QueryParams } from './consul-client.js';
import { ConsulError } from './consul-error.js';
import { TokenBucket } from './token-bucket.js';

/** How long Consul holds a query open without a change. Consul's own default is 5 min (max 10). */
export const DEFAULT_WAIT_MS = 60_000;
/**
 * Node's fetch (undici) gives up on response headers after 300 s, and Consul adds up to wait/16 of jitter:
 * 270 s * 17/16 ≈ 287 s stays under it.
 */
export const MAX_WAIT_MS = 270_000;
/** Room, beyond wait + wait/16, for the agent to answer a query whose wait ran out. */
export const DEFAULT_BLOCKING_SLACK_MS = 5_000;
/** Errors back off exponentially with full jitter, from base up to max. */
export const DEFAULT_ERROR_BACKOFF = { baseMs: 250, maxMs: 5_000 } as const;
/**
 * The docs ask clients to rate-limit the loop, not to sleep in it: "a token bucket with burst of 2" lets quick
 * successive deliveries through and degrades into polling when results churn. One query a second at worst
 * keeps a sidecar's view fresh without hammering the agent.
 */
export const DEFAULT_RATE_LIMIT = { burst: 2, intervalMs: 1_000 } as const;

export type BlockingEvent<T> =
  /** A changed index (or hash): `value` is the new result. */
  | { kind: 'update'; value: T; index: number }
  /** The query answered, but nothing moved (wait ran out, or an idempotent write). */
  | { kind: 'unchanged'; index: number }
  /** The query failed; the loop sleeps `retryInMs` and tries again. */
  | { kind: 'error'; error: Error; attempt: number; retryInMs: number };

export interface BlockingQueryOptions<T> {
  client: ConsulClient;
  /** e.g. /v1/health/connect/inventory */
  path: string;
  query?: QueryParams;
  /** Index-based (raft data) or hash-based (agent-local data) blocking. */
  mode?: 'index' | 'hash';
  /** Turns the JSON body into T; a throw counts as a failed query. */
  decode: (body: unknown) => T;
  signal: AbortSignal;
  waitMs?: number;
  /** Per request; must exceed wait + wait/16. Default: that plus DEFAULT_BLOCKING_SLACK_MS. */
  requestTimeoutMs?: number;
  backoff?: { baseMs: number; maxMs: number };
  rateLimit?: { burst: number; intervalMs: number };
  clock?: Clock;
  random?: Random;
}

/** Go duration syntax, as Consul parses ?wait=. */
export function formatWait(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** Validates wait against the request timeout: a request that times out before Consul answers never blocks usefully. */
export function blockingTimeouts(path: string, waitMs = DEFAULT_WAIT_MS, requestTimeoutMs?: number): { waitMs: number; requestTimeoutMs: number } {
  if (!Number.isInteger(waitMs) || waitMs < 1 || waitMs > MAX_WAIT_MS) {
    throw new Error(`blocking query ${path}: waitMs: expected an integer in 1..${MAX_WAIT_MS}, got ${waitMs}`);
  }
  const longest = Math.ceil((waitMs * 17) / 16);
  const timeout = requestTimeoutMs ?? longest + DEFAULT_BLOCKING_SLACK_MS;
  if (!(timeout > longest)) {
    throw new Error(
      `blocking query ${path}: requestTimeoutMs (${timeout}) must exceed wait (${waitMs}) plus Consul's jitter of up to wait/16 (${longest} in all)`,
    );
  }
  return { waitMs, requestTimeoutMs: timeout };
}

/**
 * Runs the loop until `signal` aborts (the generator then returns; an in-flight long poll is aborted at once).
 * Starts at index 0, so the first answer comes at once. Errors never end the loop: they are yielded, and the
 * next attempt comes after a jittered backoff, from index 0 (the agent may have restarted with a new index).
 */
export async function* blockingQuery<T>(options: BlockingQueryOptions<T>): AsyncGenerator<BlockingEvent<T>, void, undefined> {
  const { client, path, decode, signal } = options;
  const clock = options.clock ?? systemClock;
  const random = options.random ?? systemRandom;
  const backoff = options.backoff ?? DEFAULT_ERROR_BACKOFF;
  const { waitMs, requestTimeoutMs } = blockingTimeouts(path, options.waitMs, options.requestTimeoutMs);
  const cursor: BlockingCursor = options.mode === 'hash' ? new HashCursor() : new IndexCursor();
  const bucket = new TokenBucket({ ...(options.rateLimit ?? DEFAULT_RATE_LIMIT), clock });
  let attempt = 0;

  while (!signal.aborted) {
    try {
      await bucket.take(signal);
    } catch {
      return; // aborted while paced
    }
    let event: BlockingEvent<T>;
    try {
      const res = await client.get(path, {
        query: { ...options.query, ...cursor.params(), wait: formatWait(waitMs) },
        signal,
        timeoutMs: requestTimeoutMs,
      });
      const changed = cursor.advance(res);
      event = changed ? { kind: 'update', value: decode(res.body), index: cursor.index } : { kind: 'unchanged', index: cursor.index };
      attempt = 0;
    } catch (err) {
      if (signal.aborted) return;
      attempt += 1;
      cursor.reset();
      const error = err instanceof Error ? err : new Error(String(err));
      const retryInMs = backoffMs(attempt, backoff.baseMs, backoff.maxMs, random);
      yield { kind: 'error', error: decodeFailure(error, client.address, path), attempt, retryInMs };
      try {
        await clock.sleep(retryInMs, signal);
      } catch {
        return;
      }
      continue;
    }
    yield event;
  }
}

/** A decode throw is not a ConsulError yet: name the call and the agent, like every other failure. */
function decodeFailure(err: Error, address: string, path: string): Error {
  if (err instanceof ConsulError) return err;
  return new ConsulError('GET', path, address, { kind: 'decode', detail: err.message }, { cause: err });
}
