// The schema_migrations table: creating it, reading what is applied, recording a version, and what is left to run.
import type pg from 'pg';
import type { Logger } from 'pino';
import { backoffMs, systemRandom, type Clock } from '../clock.js';
import { LEASE_TABLE } from './migration-lease.js';
import { MigrationError, type PlannedMigration } from './migration-files.js';
import { SqlState, sqlState } from './sql-errors.js';
import type { Tx } from './transaction.js';

export const HISTORY_TABLE = 'schema_migrations';

/** Runs one statement outside any explicit transaction (a pg.Pool or pg.Client is one). */
export interface StatementRunner {
  query(text: string, values?: unknown[]): Promise<pg.QueryResult<any>>;
}

// Types that mean the same on both engines: INT8 (PostgreSQL's bigint alias, CockroachDB's
// default INT), TEXT, TIMESTAMPTZ. The lease's CHECK keeps it a single row.
const BOOTSTRAP_STATEMENTS = [
  `CREATE TABLE IF NOT EXISTS ${HISTORY_TABLE} (
    version INT8 PRIMARY KEY,
    name TEXT NOT NULL,
    checksum TEXT NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
  )`,
  `CREATE TABLE IF NOT EXISTS ${LEASE_TABLE} (
    id INT8 PRIMARY KEY CHECK (id = 1),
    holder TEXT NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
  )`,
];

const BOOTSTRAP_ATTEMPTS = 5;

/**
 * Creates the bookkeeping tables if missing. Two runners doing this at once on PostgreSQL can
 * both pass the IF NOT EXISTS check; the loser then fails with 23505 (on pg_type's unique
 * index, for the table's row type), 42710 (type "…" already exists, the same race caught one
 * step later) or 42P07, although the table now exists: retried.
 */
export async function ensureHistoryTables(db: StatementRunner, clock: Clock, signal?: AbortSignal): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      for (const statement of BOOTSTRAP_STATEMENTS) await db.query(statement);
      return;
    } catch (err) {
      const state = sqlState(err);
      const raced = state === SqlState.uniqueViolation || state === SqlState.duplicateTable || state === SqlState.duplicateObject;
      if (!raced || attempt >= BOOTSTRAP_ATTEMPTS) throw err;
      await clock.sleep(backoffMs(attempt, 10, 200, systemRandom), signal);
    }
  }
}

export interface AppliedMigration {
  version: number;
  name: string;
  checksum: string;
}

export async function readApplied(db: StatementRunner): Promise<AppliedMigration[]> {
  const { rows } = await db.query(`SELECT version, name, checksum FROM ${HISTORY_TABLE} ORDER BY version`);
  // INT8 arrives as a string from node-postgres (it may exceed 2^53); versions are 4 digits.
  return rows.map((row: { version: string; name: string; checksum: string }) => ({
    version: Number(row.version),
    name: row.name,
    checksum: row.checksum,
  }));
}

export async function recordApplied(tx: Tx, migration: PlannedMigration): Promise<void> {
  await tx.query(`INSERT INTO ${HISTORY_TABLE} (version, name, checksum) VALUES ($1, $2, $3)`, [
    migration.version,
    migration.name,
    migration.checksum,
  ]);
}

/**
 * The planned migrations not yet applied, in order. Throws when an applied migration's file
 * changed since (its recorded checksum differs): the database no longer matches the files.
 * Applied versions with no file are logged only: a newer release may have migrated already.
 */
export function pendingMigrations(plan: PlannedMigration[], applied: AppliedMigration[], log?: Logger): PlannedMigration[] {
  const planned = new Map(plan.map((m) => [m.version, m]));
  const newestFile = plan.at(-1)?.version ?? 0;
  for (const row of applied) {
    const migration = planned.get(row.version);
    if (migration === undefined) {
      const why = row.version > newestFile ? 'applied by a newer release' : 'its file is gone';
      log?.warn({ version: row.version, name: row.name }, `applied migration has no file here (${why})`);
    } else if (migration.checksum !== row.checksum) {
      const file = migration.fileName ?? `${migration.name} (no file for this engine)`;
      throw new MigrationError(
        `migration ${file} was changed after it was applied (recorded checksum ${row.checksum.slice(0, 12)}, file now ${migration.checksum.slice(0, 12)}); add a new migration instead`,
        migration.fileName ?? migration.name,
      );
    }
  }
  const done = new Set(applied.map((row) => row.version));
  const newestApplied = applied.at(-1)?.version ?? 0;
  const pending = plan.filter((m) => !done.has(m.version));
  for (const m of pending) {
    if (m.version < newestApplied) {
      log?.warn({ version: m.version, name: m.name }, 'migration is older than the newest applied one; applying it out of order');
    }
  }
  return pending;
}
