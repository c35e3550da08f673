// SQLSTATE helpers: read the code off a driver error and classify it (retry, broken connection).

/** SQLSTATE codes this layer acts on (PostgreSQL Appendix A, "PostgreSQL Error Codes"). */
export const SqlState = {
  uniqueViolation: '23505',
  serializationFailure: '40001',
  deadlockDetected: '40P01',
  /**
   * CockroachDB's "result is ambiguous": the COMMIT may or may not have happened. Never retried,
   * a retry could apply the transaction twice (CockroachDB docs, "Transaction Retry Error Reference").
   */
  statementCompletionUnknown: '40003',
  duplicateTable: '42P07',
  duplicateObject: '42710',
  readOnlySqlTransaction: '25006',
  queryCanceled: '57014',
  adminShutdown: '57P01',
  crashShutdown: '57P02',
  cannotConnectNow: '57P03',
} as const;

const SQLSTATE_PATTERN = /^[0-9A-Z]{5}$/;

/**
 * The SQLSTATE of an error raised by the server (pg's DatabaseError carries it as `code`), or
 * undefined for anything else: Node socket errors also have a `code` (ECONNRESET), never 5 chars.
 */
export function sqlState(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && SQLSTATE_PATTERN.test(code) ? code : undefined;
}

/**
 * True when the whole transaction may be run again: 40001 is CockroachDB's retry signal and
 * PostgreSQL's serializable conflict; 40P01 is PostgreSQL's deadlock victim, whose work was
 * rolled back and is safe to redo.
 */
export function isRetryableSqlError(err: unknown): boolean {
  const state = sqlState(err);
  return state === SqlState.serializationFailure || state === SqlState.deadlockDetected;
}

/** True for a unique-key conflict; callers map it to their own ALREADY_EXISTS. */
export function isUniqueViolation(err: unknown): boolean {
  return sqlState(err) === SqlState.uniqueViolation;
}

/**
 * True when the server said the session is over (class 08 connection exception, or the server
 * shutting down): such a connection must be destroyed, not put back in the pool.
 */
export function isConnectionFailure(err: unknown): boolean {
  const state = sqlState(err);
  if (state === undefined) return false;
  return (
    state.startsWith('08') ||
    state === SqlState.adminShutdown ||
    state === SqlState.crashShutdown ||
    state === SqlState.cannotConnectNow
  );
}

/** A short, log-safe description: SQLSTATE and message, never the query's parameters. */
export function describeSqlError(err: unknown): string {
  const state = sqlState(err);
  const message = err instanceof Error ? err.message : String(err);
  return state === undefined ? message : `${state}: ${message}`;
}
