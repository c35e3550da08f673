// withTransaction: SERIALIZABLE transactions retried whole on 40001/40P01 (CockroachDB's client-side retry protocol).
import type pg from 'pg';
import { backoffMs, systemClock, systemRandom, type Clock, type Random } from '../clock.js';
import { describeSqlError, isConnectionFailure, isRetryableSqlError } from './sql-errors.js';

export const DEFAULT_TRANSACTION_MAX_ATTEMPTS = 10;
export const DEFAULT_TRANSACTION_BASE_BACKOFF_MS = 10;
export const DEFAULT_TRANSACTION_MAX_BACKOFF_MS = 1_000;

/** What a transaction body may do: run statements. Not commit, not roll back, not release. */
export interface Tx {
  query<R extends pg.QueryResultRow = any>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

/** The part of a pg.PoolClient this module uses (a pg.PoolClient is one). */
export interface TransactionClient {
  query(text: string, values?: unknown[]): Promise<pg.QueryResult<any>>;
  /** pg's contract: an argument (an Error or true) destroys the connection instead of pooling it. */
  release(err?: Error | boolean): void;
}

/** The part of a pg.Pool this module uses (a pg.Pool is one). */
export interface TransactionPool {
  connect(): Promise<TransactionClient>;
}

export interface TransactionOptions {
  /** BEGIN ... READ ONLY: writes fail with 25006, and CockroachDB can serve reads with less contention. */
  readOnly?: boolean;
  /** Stops retrying: checked before the first attempt and during every backoff. */
  signal?: AbortSignal;
  /** Attempts in all, the first included. Default DEFAULT_TRANSACTION_MAX_ATTEMPTS. */
  maxAttempts?: number;
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  clock?: Clock;
  random?: Random;
  /**
   * Absolute deadline (epoch ms on `clock`), usually the caller's gRPC deadline: each attempt
   * sets `SET LOCAL statement_timeout` to the time left, so the database stops work that no
   * one waits for any more. Both PostgreSQL and CockroachDB accept SET LOCAL.
   */
  deadline?: number;
  /** Upper bound for that statement_timeout (the pool's own); the smaller of the two applies. */
  statementTimeoutMs?: number;
  /** Called after a failed attempt that will be retried (metrics, logs). */
  onRetry?: (attempt: number, err: unknown) => void;
}

/** The transaction kept failing with retryable errors until its attempts ran out. */
export class TransactionRetryError extends Error {
  override readonly name = 'TransactionRetryError';

  constructor(
    readonly attempts: number,
    cause: unknown,
  ) {
    super(`transaction failed after ${attempts} attempts: ${describeSqlError(cause)}`, { cause });
  }
}

/**
 * Runs `fn` in a SERIALIZABLE transaction and commits it; on a serialization failure (40001)
 * or deadlock (40P01) rolls back and runs `fn` again from the start, with capped full-jitter
 * backoff, up to `maxAttempts` times.
 *
 * **`fn` may run several times.** Everything it does must happen through `tx` (which is rolled
 * back with the attempt) or be safe to repeat: never call another service, publish a message
 * or charge a card from inside it. Write an outbox row instead and let the publisher send it
 * after commit. Return values from the last, committed attempt only.
 *
 * Whole-transaction retry is what CockroachDB asks of clients ("Transaction Retry Error
 * Reference": retry on 40001 with exponential backoff); the `SAVEPOINT cockroach_restart`
 * variant is an optimisation we do without so that PostgreSQL runs the identical path.
 * An error thrown by COMMIT with 40001 is retried too: the transaction did not commit.
 * 40003 (ambiguous result) is NOT retried: the commit may have happened.
 */
export async function withTransaction<T>(
  pool: TransactionPool,
  fn: (tx: Tx) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  const maxAttempts = options.maxAttempts ?? DEFAULT_TRANSACTION_MAX_ATTEMPTS;
  const baseMs = options.baseBackoffMs ?? DEFAULT_TRANSACTION_BASE_BACKOFF_MS;
  const capMs = options.maxBackoffMs ?? DEFAULT_TRANSACTION_MAX_BACKOFF_MS;
  const clock = options.clock ?? systemClock;
  const random = options.random ?? systemRandom;
  const { signal } = options;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new RangeError(`maxAttempts must be an integer >= 1, got ${maxAttempts}`);
  }
  // Both dialects accept the comma-separated mode list (PostgreSQL's BEGIN, CockroachDB's
  // transaction_mode_list with opt_comma).
  const begin = options.readOnly
    ? 'BEGIN ISOLATION LEVEL SERIALIZABLE, READ ONLY'
    : 'BEGIN ISOLATION LEVEL SERIALIZABLE';

  signal?.throwIfAborted();
  for (let attempt = 1; ; attempt++) {
    let failure: unknown;
    try {
      return await attemptOnce(pool, begin, statementTimeout(options, clock), fn);
    } catch (err) {
      if (!isRetryableSqlError(err)) throw err;
      failure = err;
    }
    if (attempt >= maxAttempts) throw new TransactionRetryError(attempt, failure);
    options.onRetry?.(attempt, failure);
    // Rejects with the signal's reason when aborted during the wait.
    await clock.sleep(backoffMs(attempt, baseMs, capMs, random), signal);
    signal?.throwIfAborted();
  }
}

/** The statement_timeout for one attempt, or undefined to keep the session's. */
function statementTimeout(options: TransactionOptions, clock: Clock): number | undefined {
  const left = options.deadline === undefined ? Infinity : options.deadline - clock.now();
  const ms = Math.min(left, options.statementTimeoutMs ?? Infinity);
  if (ms === Infinity) return undefined;
  // 0 would mean "no timeout"; a deadline already passed gets the smallest one instead.
  return Math.max(1, Math.floor(ms));
}

async function attemptOnce<T>(pool: TransactionPool, begin: string, timeoutMs: number | undefined, fn: (tx: Tx) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  // Set when the connection can no longer be trusted: it is then destroyed, not pooled.
  let broken: Error | undefined;
  let open = true;
  const tx: Tx = {
    query: (text, values) => {
      // A Tx kept past its transaction would run on whichever transaction owns the connection next.
      if (!open) return Promise.reject(new Error('Tx used after its transaction ended'));
      return client.query(text, values);
    },
  };
  try {
    await client.query(begin);
    // An integer we computed, not user input: SET takes no bind parameters.
    if (timeoutMs !== undefined) await client.query(`SET LOCAL statement_timeout = ${timeoutMs}`);
    const result = await fn(tx);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    if (isConnectionFailure(err)) {
      broken = asError(err);
    } else {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackErr) {
        // The session cannot even roll back (socket gone, server restarting): drop it.
        broken = asError(rollbackErr);
      }
    }
    throw err;
  } finally {
    open = false;
    client.release(broken);
  }
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
