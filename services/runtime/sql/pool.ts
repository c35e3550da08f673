// The connection pool of a service, and a readiness ping over it.
import pg from 'pg';
import type { Logger } from 'pino';
import { resolveDatabaseConfig, type DatabaseConfig } from './database-config.js';
import { describeSqlError } from './sql-errors.js';

/**
 * Opens a pg.Pool for `config` (validated again here: a bad value throws naming the property).
 * Works unchanged against CockroachDB, which speaks the PostgreSQL wire protocol and accepts
 * statement_timeout and application_name as connection parameters.
 *
 * A dropped connection never crashes the process: node-postgres emits 'error' on a client
 * whose socket dies between queries, on the pool for idle clients, and an EventEmitter
 * 'error' without a listener throws. Both get a listener; the next query on a dead client
 * fails and withTransaction destroys it.
 */
export function createPool(config: DatabaseConfig, log?: Logger): pg.Pool {
  const resolved = resolveDatabaseConfig(config);
  const pool = new pg.Pool({
    connectionString: resolved.url,
    max: resolved.poolMax,
    connectionTimeoutMillis: resolved.connectTimeoutMs,
    idleTimeoutMillis: resolved.idleTimeoutMs,
    statement_timeout: resolved.statementTimeoutMs,
    application_name: resolved.applicationName,
    // TCP keepalive notices a peer that vanished (node failover) instead of waiting forever.
    keepAlive: true,
  });
  pool.on('connect', (client) => {
    client.on('error', (err) => {
      log?.warn({ err: describeSqlError(err), application: resolved.applicationName }, 'database connection failed');
    });
  });
  // Logged by the client listener above; this one only keeps the pool's re-emit from throwing.
  pool.on('error', () => {});
  return pool;
}

/**
 * Resolves when the database answers `SELECT 1`; rejects on error or when `signal` aborts first
 * (the query itself cannot be cancelled from here, statement_timeout bounds it).
 */
export async function ping(pool: Pick<pg.Pool, 'query'>, signal?: AbortSignal): Promise<void> {
  signal?.throwIfAborted();
  const query = pool.query('SELECT 1');
  if (signal === undefined) {
    await query;
    return;
  }
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    await Promise.race([query, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort!);
    // The query may still settle after an abort: keep its rejection from going unhandled.
    query.catch(() => {});
  }
}
