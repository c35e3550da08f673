// A lease row that lets one migration runner at a time work, with expiry on the database's clock.
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { describeSqlError } from './sql-errors.js';
import { withTransaction, type TransactionPool, type Tx } from './transaction.js';

/**
 * Why a row and not pg_advisory_lock: CockroachDB accepts advisory-lock functions as no-ops
 * that lock nothing. A row with an expiry works on both engines, and a runner that dies
 * holding it only delays the others until the expiry. Expiry is computed and compared with
 * the database's now(), so runners whose clocks disagree still agree on who holds it.
 */
export const LEASE_TABLE = 'schema_migration_lease';
const LEASE_ID = 1;

/** Thrown when this runner finds that its lease expired and someone else may be migrating. */
export class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError';
}

// INSERT ... ON CONFLICT DO UPDATE ... WHERE takes the row only when it is free or expired
// (or already ours); RETURNING yields no row when the WHERE is false. Valid on both engines;
// never UPSERT, which is CockroachDB-only.
const ACQUIRE_SQL = `
INSERT INTO ${LEASE_TABLE} (id, holder, expires_at)
VALUES ($1, $2, now() + $3::INT8 * INTERVAL '1 millisecond')
ON CONFLICT (id) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
WHERE ${LEASE_TABLE}.expires_at < now() OR ${LEASE_TABLE}.holder = excluded.holder
RETURNING holder`;

const RENEW_SQL = `
UPDATE ${LEASE_TABLE} SET expires_at = now() + $3::INT8 * INTERVAL '1 millisecond'
WHERE id = $1 AND holder = $2
RETURNING holder`;

const RELEASE_SQL = `DELETE FROM ${LEASE_TABLE} WHERE id = $1 AND holder = $2`;

export interface LeaseOptions {
  holder: string;
  leaseMs: number;
  clock: Clock;
  log?: Logger;
  signal?: AbortSignal;
}

/** Tries once to take the lease; true when this holder now has it. */
export async function tryAcquireLease(pool: TransactionPool, options: LeaseOptions): Promise<boolean> {
  return withTransaction(
    pool,
    async (tx) => (await tx.query(ACQUIRE_SQL, [LEASE_ID, options.holder, options.leaseMs])).rowCount === 1,
    { clock: options.clock, signal: options.signal },
  );
}

/**
 * Extends the lease inside `tx`; throws LeaseLostError when it is no longer ours. Run inside
 * a migration's own transaction it also fences that migration: on PostgreSQL the row stays
 * locked until commit, so no one can take the lease over while the migration runs.
 */
export async function renewLease(tx: Tx, holder: string, leaseMs: number): Promise<void> {
  const { rowCount } = await tx.query(RENEW_SQL, [LEASE_ID, holder, leaseMs]);
  if (rowCount !== 1) {
    throw new LeaseLostError(`migration lease of ${holder} expired and was taken over; stopping`);
  }
}

/** Gives the lease up if still ours. Never throws: an unreleased lease just expires. */
export async function releaseLease(pool: TransactionPool, options: LeaseOptions): Promise<void> {
  try {
    await withTransaction(pool, (tx) => tx.query(RELEASE_SQL, [LEASE_ID, options.holder]), { clock: options.clock });
  } catch (err) {
    options.log?.warn({ holder: options.holder, err: describeSqlError(err) }, 'could not release migration lease');
  }
}

/** Who holds the lease and until when (database time), for logs. */
export async function leaseHolder(pool: TransactionPool, clock: Clock): Promise<{ holder: string; expiresAt: Date } | undefined> {
  const { rows } = await withTransaction(
    pool,
    (tx) => tx.query<{ holder: string; expires_at: Date }>(`SELECT holder, expires_at FROM ${LEASE_TABLE} WHERE id = $1`, [LEASE_ID]),
    { clock, readOnly: true },
  );
  const row = rows[0];
  return row === undefined ? undefined : { holder: row.holder, expiresAt: row.expires_at };
}

/**
 * Keeps a held lease alive in the background, every leaseMs/3, until stopped: a single long
 * schema change (a CockroachDB index backfill can take minutes) must not let the lease lapse.
 * A renewal that finds the lease gone is remembered; the runner checks `lost()` between steps.
 */
export function keepLeaseAlive(pool: TransactionPool, options: LeaseOptions): { lost(): LeaseLostError | undefined; stop(): Promise<void> } {
  const stopping = new AbortController();
  let lostError: LeaseLostError | undefined;
  const intervalMs = Math.max(1, Math.floor(options.leaseMs / 3));
  const loop = (async () => {
    while (!stopping.signal.aborted && lostError === undefined) {
      try {
        await options.clock.sleep(intervalMs, stopping.signal);
      } catch {
        return; // Stopped.
      }
      try {
        await withTransaction(pool, (tx) => renewLease(tx, options.holder, options.leaseMs), {
          clock: options.clock,
          signal: stopping.signal,
        });
      } catch (err) {
        if (err instanceof LeaseLostError) lostError = err;
        else if (!stopping.signal.aborted) {
          // Transient (timeout, failover): the next tick tries again before the lease runs out.
          options.log?.warn({ holder: options.holder, err: describeSqlError(err) }, 'could not renew migration lease');
        }
      }
    }
  })();
  return {
    lost: () => lostError,
    stop: async () => {
      stopping.abort();
      await loop;
    },
  };
}
