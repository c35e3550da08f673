// No CockroachDB server runs here: this checks the statements the runner sends it, in order.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import { FakeClock } from '../../../support/fake-clock.js';
import { migrate } from '../../../../services/runtime/sql/migrate.js';
import { MigrationError } from '../../../../services/runtime/sql/migration-files.js';
import { FakePool, pgError } from './fake-pool.js';

const VERSION = 'CockroachDB CCL v23.1.11 (x86_64-pc-linux-gnu, built 2023/09/27 01:53:43, go1.19.10)';

/** A fake CockroachDB: answers version(), grants the lease, and keeps schema_migrations in memory. */
function cockroach(fail?: (text: string) => Error | undefined) {
  const recorded: Array<{ version: string; name: string; checksum: string }> = [];
  const pool = new FakePool((text, _client, values = []) => {
    const failure = fail?.(text);
    if (failure !== undefined) throw failure;
    if (text.includes('version()')) return { rows: [{ version: VERSION }] };
    if (text.includes('FROM schema_migrations')) return { rows: [...recorded] };
    if (/(INSERT INTO|UPDATE) schema_migration_lease/.test(text)) return { rows: [{ holder: values[1] }] };
    if (text.includes('INSERT INTO schema_migrations')) {
      recorded.push({ version: String(values[0]), name: String(values[1]), checksum: String(values[2]) });
    }
    return undefined;
  });
  return { pool, recorded };
}

async function folder(t: { teardown(fn: () => Promise<void>): void }, files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'migrations-crdb-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  for (const [name, sql] of Object.entries(files)) await writeFile(path.join(dir, name), sql);
  return dir;
}

const FILES = {
  '0001_products.sql': 'CREATE TABLE IF NOT EXISTS products (id UUID PRIMARY KEY DEFAULT gen_random_uuid(), name TEXT);\nCREATE INDEX IF NOT EXISTS products_name ON products (name);',
  '0002_details.cockroachdb.sql': 'ALTER TABLE products ADD COLUMN IF NOT EXISTS details JSONB CREATE IF NOT EXISTS FAMILY details;',
  '0002_details.postgres.sql': 'ALTER TABLE products ADD COLUMN IF NOT EXISTS details JSONB;',
};

test('migrate on CockroachDB - each DDL statement runs alone outside any explicit transaction, then the version is recorded', async (t) => {
  const { pool, recorded } = cockroach();
  const result = await migrate(pool, { dir: await folder(t, FILES), clock: new FakeClock() });
  t.deepEqual(result, { applied: ['0001_products', '0002_details'], dialect: { kind: 'cockroachdb', version: '23.1.11' } });
  t.deepEqual(
    recorded.map((r) => r.name),
    ['0001_products', '0002_details'],
  );

  // The sessions that ran DDL ran nothing else (no BEGIN, no bookkeeping), and were closed after.
  const ddlClients = pool.clients.filter((c) => c.queries.some((q) => /^(CREATE|ALTER)/.test(q)));
  t.deepEqual(
    ddlClients.map((c) => c.queries),
    [
      [
        'CREATE TABLE IF NOT EXISTS products (id UUID PRIMARY KEY DEFAULT gen_random_uuid(), name TEXT)',
        'CREATE INDEX IF NOT EXISTS products_name ON products (name)',
      ],
      ['ALTER TABLE products ADD COLUMN IF NOT EXISTS details JSONB CREATE IF NOT EXISTS FAMILY details'],
    ],
  );
  t.true(ddlClients.every((c) => c.released?.err === true));

  // Per migration: lease check, then the DDL, then version + lease check together, in that order.
  const order = pool.journal
    .map((e) => e.text)
    .filter((q) => /^(CREATE INDEX|CREATE TABLE IF NOT EXISTS products|ALTER)|INSERT INTO schema_migrations|UPDATE schema_migration_lease/.test(q.trim()))
    .map((q) => (q.includes('schema_migrations') ? 'record' : q.includes('schema_migration_lease') ? 'renew' : 'ddl'));
  t.deepEqual(order, ['renew', 'ddl', 'ddl', 'renew', 'record', 'renew', 'ddl', 'renew', 'record']);
  // Recording happens in a transaction of its own.
  const recordClient = pool.clients.find((c) => c.queries.some((q) => q.includes('INSERT INTO schema_migrations')));
  t.is(recordClient?.queries[0], 'BEGIN ISOLATION LEVEL SERIALIZABLE');
  t.is(recordClient?.queries.at(-1), 'COMMIT');
  // And the lease is given back.
  t.true(pool.journal.some((e) => e.text.includes('DELETE FROM schema_migration_lease')));
});

test('migrate on CockroachDB - a failing DDL statement records nothing and names the file', async (t) => {
  const { pool, recorded } = cockroach((text) =>
    text.startsWith('ALTER TABLE products') ? pgError('42601', 'at or near "family": syntax error') : undefined,
  );
  const err = await t.throwsAsync(migrate(pool, { dir: await folder(t, FILES), clock: new FakeClock() }), {
    instanceOf: MigrationError,
  });
  t.is(err.file, '0002_details.cockroachdb.sql');
  t.deepEqual(
    recorded.map((r) => r.name),
    ['0001_products'],
  );
  t.true(pool.journal.some((e) => e.text.includes('DELETE FROM schema_migration_lease')));
});
