// The migration runner: applies a folder of SQL files once, in order, safely from many instances at once.
//
//   1. read and validate the folder (names, one file per engine per version): before any SQL
//   2. detect the dialect; choose each version's file for it (missing file = nothing to run)
//   3. CREATE TABLE IF NOT EXISTS schema_migrations / schema_migration_lease
//   4. compare with schema_migrations: a changed applied file is fatal; nothing pending = done
//   5. take the lease row (wait, polling, while another runner holds it), keep it renewed
//   6. re-read schema_migrations (the previous holder may have done the work), apply what is left:
//        PostgreSQL:  one transaction per migration = lease check + statements + version row;
//                     DDL is transactional there, so a failure leaves nothing behind
//        CockroachDB: each statement alone (its own implicit transaction), then the version row;
//                     it supports schema changes reliably only outside explicit transactions
//                     ("Online Schema Changes", limitations), so a crash in between leaves the
//                     DDL done and unrecorded, and the next run repeats it: CockroachDB
//                     migrations MUST be idempotent (IF NOT EXISTS, ADD COLUMN IF NOT EXISTS)
//   7. delete the lease (in finally; if that fails it simply expires). A runner that finds its
//      lease gone (it stalled past the expiry and another took over) goes back to step 5.
//
// Migration files must not manage transactions (BEGIN/COMMIT), use statements PostgreSQL
// refuses inside one (CREATE INDEX CONCURRENTLY), or change session settings (on PostgreSQL a
// SET would outlive the migration on a pooled connection).
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { systemClock, type Clock } from '../clock.js';
import { detectDialect, type Dialect } from './dialect.js';
import { MigrationError, planForDialect, readMigrationDir, type PlannedMigration } from './migration-files.js';
import { ensureHistoryTables, pendingMigrations, readApplied, recordApplied, type StatementRunner } from './migration-history.js';
import {
  keepLeaseAlive,
  leaseHolder,
  LeaseLostError,
  releaseLease,
  renewLease,
  tryAcquireLease,
  type LeaseOptions,
} from './migration-lease.js';
import { splitStatements } from './split-statements.js';
import { describeSqlError } from './sql-errors.js';
import { withTransaction, type TransactionPool } from './transaction.js';

/** How long a lease lasts without renewal: how long a crashed runner blocks the others. */
export const DEFAULT_LEASE_MS = 30_000;
/** How often a waiting runner tries to take the lease. */
export const DEFAULT_LEASE_POLL_MS = 500;

/** A pg.Pool is one. */
export type MigrationPool = TransactionPool & StatementRunner;

export interface MigrateOptions {
  /** Folder of NNNN_name[.postgres|.cockroachdb].sql files. */
  dir: string;
  log?: Logger;
  clock?: Clock;
  leaseMs?: number;
  pollMs?: number;
  /** Stops waiting for the lease and stops between migrations. */
  signal?: AbortSignal;
}

export interface MigrateResult {
  /** Names ("0002_add_sku") recorded by this call, in order; empty when there was nothing to do. */
  applied: string[];
  dialect: Dialect;
}

/** Brings the database's schema up to the files in `options.dir`. See the file comment for the steps. */
export async function migrate(pool: MigrationPool, options: MigrateOptions): Promise<MigrateResult> {
  const clock = options.clock ?? systemClock;
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  const pollMs = options.pollMs ?? DEFAULT_LEASE_POLL_MS;
  const { log, signal } = options;
  for (const [key, value] of [['leaseMs', leaseMs], ['pollMs', pollMs]] as const) {
    if (!Number.isInteger(value) || value < 1) throw new RangeError(`migrate: ${key} must be an integer >= 1, got ${value}`);
  }

  const groups = await readMigrationDir(options.dir);
  const dialect = await detectDialect(pool);
  const plan = planForDialect(groups, dialect.kind);
  await ensureHistoryTables(pool, clock, signal);
  if (pendingMigrations(plan, await readApplied(pool), log).length === 0) {
    return { applied: [], dialect };
  }

  const lease: LeaseOptions = { holder: `${hostname()}:${process.pid}:${randomUUID()}`, leaseMs, clock, signal };
  if (log !== undefined) lease.log = log;
  const applied: string[] = [];
  for (;;) {
    await waitForLease(pool, lease, pollMs);
    const heartbeat = keepLeaseAlive(pool, lease);
    try {
      // Re-read: whoever held the lease before may have applied some or all of it.
      for (const migration of pendingMigrations(plan, await readApplied(pool))) {
        signal?.throwIfAborted();
        const lost = heartbeat.lost();
        if (lost !== undefined) throw lost;
        await applyOne(pool, migration, dialect, lease);
        applied.push(migration.name);
        log?.info({ version: migration.version, file: migration.fileName ?? null, dialect: dialect.kind }, 'migration applied');
      }
      return { applied, dialect };
    } catch (err) {
      if (!(err instanceof LeaseLostError)) throw err;
      // On PostgreSQL each step commits only while the lease is ours, so nothing ran twice; on
      // CockroachDB a step whose recording failed is redone by the next holder (idempotent).
      // Queue up again and let the next round see what the new holder did.
      log?.warn({ holder: lease.holder }, 'lost the migration lease; waiting to take it again');
    } finally {
      await heartbeat.stop();
      await releaseLease(pool, lease);
    }
  }
}

async function waitForLease(pool: MigrationPool, lease: LeaseOptions, pollMs: number): Promise<void> {
  let told = false;
  while (!(await tryAcquireLease(pool, lease))) {
    if (!told) {
      told = true;
      const current = await leaseHolder(pool, lease.clock);
      lease.log?.info({ holder: current?.holder, expiresAt: current?.expiresAt }, 'another instance is migrating; waiting');
    }
    await lease.clock.sleep(pollMs, lease.signal);
  }
}

async function applyOne(pool: MigrationPool, migration: PlannedMigration, dialect: Dialect, lease: LeaseOptions): Promise<void> {
  const file = migration.fileName ?? migration.name;
  let statements: string[];
  try {
    statements = splitStatements(migration.sql);
  } catch (err) {
    throw new MigrationError(`migration ${file} cannot be parsed: ${describeSqlError(err)}`, file, { cause: err });
  }
  const txOptions = { clock: lease.clock, signal: lease.signal };
  try {
    switch (dialect.kind) {
      case 'postgres':
        // All or nothing, and fenced: the lease row stays locked by this transaction until it commits.
        await withTransaction(
          pool,
          async (tx) => {
            await renewLease(tx, lease.holder, lease.leaseMs);
            for (const statement of statements) await tx.query(statement);
            await recordApplied(tx, migration);
          },
          txOptions,
        );
        return;
      case 'cockroachdb':
        await withTransaction(pool, (tx) => renewLease(tx, lease.holder, lease.leaseMs), txOptions);
        await runEachAlone(pool, statements);
        await withTransaction(
          pool,
          async (tx) => {
            await renewLease(tx, lease.holder, lease.leaseMs);
            await recordApplied(tx, migration);
          },
          txOptions,
        );
        return;
      default: {
        const unknown: never = dialect.kind;
        throw new Error(`no migration strategy for ${String(unknown)}`);
      }
    }
  } catch (err) {
    if (err instanceof LeaseLostError || err === lease.signal?.reason) throw err;
    throw new MigrationError(`migration ${file} failed: ${describeSqlError(err)}`, file, { cause: err });
  }
}

/**
 * Each statement as its own implicit transaction, on one dedicated session that is closed
 * afterwards rather than returned to the pool, in case a statement changed a session setting.
 */
async function runEachAlone(pool: MigrationPool, statements: string[]): Promise<void> {
  const client = await pool.connect();
  try {
    for (const statement of statements) await client.query(statement);
  } finally {
    client.release(true);
  }
}
