import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import test, { type ExecutionContext } from 'ava';
import type pg from 'pg';
import { pino } from 'pino';
import { useServers } from '../../../support/servers.js';
import { migrate } from '../../../../services/runtime/sql/migrate.js';
import { MigrationError } from '../../../../services/runtime/sql/migration-files.js';
import { sqlState } from '../../../../services/runtime/sql/sql-errors.js';
import { freshDatabase, openPool } from './fresh-database.js';

const servers = useServers(test, { postgres: true });

async function migrationsFolder(t: ExecutionContext, files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'shopmesh-migrations-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  for (const [name, sql] of Object.entries(files)) await writeFile(path.join(dir, name), sql);
  return dir;
}

async function appliedVersions(pool: pg.Pool): Promise<number[]> {
  const { rows } = await pool.query<{ version: string }>('SELECT version FROM schema_migrations ORDER BY version');
  return rows.map((r) => Number(r.version));
}

async function leaseRows(pool: pg.Pool): Promise<number> {
  return Number((await pool.query('SELECT count(*) AS c FROM schema_migration_lease')).rows[0].c);
}

async function tableExists(pool: pg.Pool, name: string): Promise<boolean> {
  return (await pool.query('SELECT to_regclass($1) AS t', [name])).rows[0].t !== null;
}

const ITEMS = {
  '0001_create_items.sql': `
    -- Items; the UUID key is what both engines generate.
    CREATE TABLE IF NOT EXISTS items (id UUID PRIMARY KEY DEFAULT gen_random_uuid(), label TEXT NOT NULL);`,
  '0002_add_sku.sql': 'ALTER TABLE items ADD COLUMN IF NOT EXISTS sku TEXT;',
  // Needs 0002's column: only works when the files run in order.
  '0003_seed.sql': "INSERT INTO items (label, sku) VALUES ('first; item', 'SKU-1');\nINSERT INTO items (label, sku) VALUES ('second', 'SKU-2');",
};

test('migrate - applies the files in order, records them, and a second run applies nothing', async (t) => {
  const pool = openPool(t, await freshDatabase(servers().postgres, 'mig_order'));
  const dir = await migrationsFolder(t, ITEMS);

  const first = await migrate(pool, { dir });
  t.deepEqual(first.applied, ['0001_create_items', '0002_add_sku', '0003_seed']);
  t.is(first.dialect.kind, 'postgres');
  t.deepEqual(await appliedVersions(pool), [1, 2, 3]);
  const { rows } = await pool.query('SELECT label, sku FROM items ORDER BY sku');
  t.deepEqual(rows, [
    { label: 'first; item', sku: 'SKU-1' },
    { label: 'second', sku: 'SKU-2' },
  ]);
  t.is(await leaseRows(pool), 0, 'lease released');

  const second = await migrate(pool, { dir });
  t.deepEqual(second.applied, []);
  t.is(Number((await pool.query('SELECT count(*) AS c FROM items')).rows[0].c), 2);
});

test('migrate - runners started at once on separate pools apply each migration exactly once', async (t) => {
  const url = await freshDatabase(servers().postgres, 'mig_race');
  // No unique key on the log: a migration applied twice shows as two rows.
  const dir = await migrationsFolder(t, {
    '0001_log.sql': "CREATE TABLE IF NOT EXISTS migration_log (step TEXT NOT NULL);\nINSERT INTO migration_log VALUES ('0001');",
    '0002_slow.sql': "SELECT pg_sleep(0.3);\nINSERT INTO migration_log VALUES ('0002');",
    '0003_more.sql': "INSERT INTO migration_log VALUES ('0003');",
  });
  const runners = 4;
  const pools = Array.from({ length: runners }, () => openPool(t, url, 2));
  const results = await Promise.all(pools.map((pool) => migrate(pool, { dir, pollMs: 50 })));

  const all = results.flatMap((r) => r.applied).sort();
  t.deepEqual(all, ['0001_log', '0002_slow', '0003_more'], 'each applied by exactly one runner');
  const { rows } = await pools[0]!.query('SELECT step, count(*)::INT8 AS n FROM migration_log GROUP BY step ORDER BY step');
  t.deepEqual(
    rows.map((r) => [r.step, Number(r.n)]),
    [
      ['0001', 1],
      ['0002', 1],
      ['0003', 1],
    ],
  );
  t.deepEqual(await appliedVersions(pools[0]!), [1, 2, 3]);
  t.is(await leaseRows(pools[0]!), 0);
});

test('migrate - a lease left by a dead holder is taken over once it expires, not before', async (t) => {
  const pool = openPool(t, await freshDatabase(servers().postgres, 'mig_lease'));
  await migrate(pool, { dir: await migrationsFolder(t, {}) }); // Creates the bookkeeping tables only.
  await pool.query(
    "INSERT INTO schema_migration_lease (id, holder, expires_at) VALUES (1, 'dead-host:1:crashed', now() + INTERVAL '1500 milliseconds')",
  );
  const dir = await migrationsFolder(t, ITEMS);

  const started = Date.now();
  const running = migrate(pool, { dir, pollMs: 50 });
  await new Promise((r) => setTimeout(r, 700));
  t.deepEqual(await appliedVersions(pool), [], 'nothing applied while the lease is live');
  const result = await running;
  t.true(Date.now() - started >= 1_000, 'waited for the expiry');
  t.deepEqual(result.applied, ['0001_create_items', '0002_add_sku', '0003_seed']);
  t.is(await leaseRows(pool), 0);
});

test('migrate - an already expired lease is taken over at once', async (t) => {
  const pool = openPool(t, await freshDatabase(servers().postgres, 'mig_stale'));
  await migrate(pool, { dir: await migrationsFolder(t, {}) });
  await pool.query(
    "INSERT INTO schema_migration_lease (id, holder, expires_at) VALUES (1, 'dead-host:1:crashed', now() - INTERVAL '1 minute')",
  );
  const started = Date.now();
  // A poll interval far longer than the test: taking over must not need a second try.
  const result = await migrate(pool, { dir: await migrationsFolder(t, ITEMS), pollMs: 60_000 });
  t.true(Date.now() - started < 5_000);
  t.is(result.applied.length, 3);
  t.is(await leaseRows(pool), 0);
});

test('migrate - a runner whose lease was taken over stops, waits for the lease again, and finishes', async (t) => {
  const pool = openPool(t, await freshDatabase(servers().postgres, 'mig_lost'));
  const messages: string[] = [];
  const log = pino(
    { level: 'info' },
    new Writable({
      write(chunk, _encoding, done) {
        messages.push(JSON.parse(String(chunk)).msg);
        done();
      },
    }),
  );
  const dir = await migrationsFolder(t, {
    '0001_create_items.sql': ITEMS['0001_create_items.sql'],
    // Plays a runner that took over an expired lease, then died: the lease is someone else's and stale.
    '0002_steal_lease.sql': "UPDATE schema_migration_lease SET holder = 'thief', expires_at = now() - INTERVAL '1 second';",
    '0003_add_sku.sql': ITEMS['0002_add_sku.sql'],
  });
  const result = await migrate(pool, { dir, pollMs: 50, log });
  t.deepEqual(result.applied, ['0001_create_items', '0002_steal_lease', '0003_add_sku']);
  t.true(messages.includes('lost the migration lease; waiting to take it again'));
  t.deepEqual(await appliedVersions(pool), [1, 2, 3]);
  t.is(await leaseRows(pool), 0);
});

test('migrate - an applied migration edited afterwards fails naming the file', async (t) => {
  const pool = openPool(t, await freshDatabase(servers().postgres, 'mig_checksum'));
  const dir = await migrationsFolder(t, ITEMS);
  await migrate(pool, { dir });
  await writeFile(path.join(dir, '0002_add_sku.sql'), 'ALTER TABLE items ADD COLUMN IF NOT EXISTS sku VARCHAR(20);');
  await writeFile(path.join(dir, '0004_more.sql'), 'ALTER TABLE items ADD COLUMN IF NOT EXISTS price INT8;');

  const err = await t.throwsAsync(migrate(pool, { dir }), { instanceOf: MigrationError });
  t.regex(err.message, /0002_add_sku\.sql was changed after it was applied/);
  t.deepEqual(await appliedVersions(pool), [1, 2, 3], 'nothing else ran');
});

test('migrate - a failing migration leaves no partial state and no version on PostgreSQL', async (t) => {
  const pool = openPool(t, await freshDatabase(servers().postgres, 'mig_fail'));
  const dir = await migrationsFolder(t, {
    '0001_create_items.sql': ITEMS['0001_create_items.sql'],
    '0002_broken.sql': 'CREATE TABLE half_done (id INT8 PRIMARY KEY);\nINSERT INTO no_such_table VALUES (1);',
    '0003_after.sql': 'CREATE TABLE after_broken (id INT8 PRIMARY KEY);',
  });

  const err = await t.throwsAsync(migrate(pool, { dir }), { instanceOf: MigrationError });
  t.is(err.file, '0002_broken.sql');
  t.regex(err.message, /0002_broken\.sql failed: 42P01/);
  t.is(sqlState(err.cause), '42P01');
  t.false(await tableExists(pool, 'half_done'), 'the DDL before the failure was rolled back');
  t.false(await tableExists(pool, 'after_broken'), 'later migrations did not run');
  t.deepEqual(await appliedVersions(pool), [1]);
  t.is(await leaseRows(pool), 0, 'lease released after the failure');

  await writeFile(path.join(dir, '0002_broken.sql'), 'CREATE TABLE half_done (id INT8 PRIMARY KEY);');
  t.deepEqual((await migrate(pool, { dir })).applied, ['0002_broken', '0003_after']);
});

test('migrate - on PostgreSQL the .postgres file runs and the .cockroachdb file is skipped but recorded', async (t) => {
  const pool = openPool(t, await freshDatabase(servers().postgres, 'mig_dialect'));
  const dir = await migrationsFolder(t, {
    '0001_create_items.sql': ITEMS['0001_create_items.sql'],
    // Column families are CockroachDB syntax: PostgreSQL would reject this file.
    '0002_families.cockroachdb.sql': 'ALTER TABLE items ADD COLUMN IF NOT EXISTS notes TEXT CREATE IF NOT EXISTS FAMILY details;',
    '0003_label_index.postgres.sql': 'CREATE INDEX IF NOT EXISTS items_label ON items (label);',
    '0003_label_index.cockroachdb.sql': 'CREATE INDEX IF NOT EXISTS items_label ON items (label) USING HASH;',
  });
  const result = await migrate(pool, { dir });
  t.deepEqual(result.applied, ['0001_create_items', '0002_families', '0003_label_index']);
  t.deepEqual(await appliedVersions(pool), [1, 2, 3]);
  t.true(await tableExists(pool, 'items_label'));
  const { rows } = await pool.query("SELECT column_name FROM information_schema.columns WHERE table_name = 'items' ORDER BY column_name");
  t.deepEqual(
    rows.map((r) => r.column_name),
    ['id', 'label'],
  );
  t.deepEqual((await migrate(pool, { dir })).applied, [], 'the skipped version counts as applied');
});

test('migrate - a stray file fails naming it, before touching the database', async (t) => {
  const pool = openPool(t, await freshDatabase(servers().postgres, 'mig_stray'));
  const dir = await migrationsFolder(t, { '0001_create_items.sql': ITEMS['0001_create_items.sql'], 'add-index.sql': 'SELECT 1;' });
  await t.throwsAsync(migrate(pool, { dir }), { instanceOf: MigrationError, message: /add-index\.sql is not a migration/ });
  t.false(await tableExists(pool, 'schema_migrations'));
});
