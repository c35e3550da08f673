// Helpers for the SQL integration tests: a new database per test, and pools closed at teardown.
import { randomBytes } from 'node:crypto';
import type { ExecutionContext } from 'ava';
import type pg from 'pg';
import type { PostgresServer } from '../../../../scripts/servers/index.js';
import { createPool } from '../../../../services/runtime/sql/pool.js';
import { resolveDatabaseConfig } from '../../../../services/runtime/sql/database-config.js';

/** Creates an empty database named after `prefix` and returns its URL. */
export async function freshDatabase(server: Pick<PostgresServer, 'createDatabase'>, prefix: string): Promise<string> {
  return server.createDatabase(`${prefix}_${randomBytes(4).toString('hex')}`);
}

/** A pool on `url` that the test closes when it ends. */
export function openPool(t: ExecutionContext, url: string, poolMax = 4): pg.Pool {
  const pool = createPool(resolveDatabaseConfig({ url, poolMax, applicationName: 'shopmesh-sql-test' }));
  t.teardown(() => pool.end());
  return pool;
}

/** Resolves once `n` callers have arrived: lines concurrent transactions up at one point. */
export function barrier(n: number): () => Promise<void> {
  let arrived = 0;
  let release!: () => void;
  const all = new Promise<void>((resolve) => (release = resolve));
  return () => {
    if (++arrived >= n) release();
    return all;
  };
}
