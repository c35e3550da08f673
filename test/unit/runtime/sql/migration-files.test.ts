import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import {
  groupMigrations,
  MigrationError,
  parseMigrationFileName,
  planForDialect,
  readMigrationDir,
  sha256,
  type MigrationFile,
} from '../../../../services/runtime/sql/migration-files.js';

async function folder(t: { teardown(fn: () => Promise<void>): void }, files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'migrations-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  for (const [name, content] of Object.entries(files)) await writeFile(path.join(dir, name), content);
  return dir;
}

function file(fileName: string, sql = `-- ${fileName}`): MigrationFile {
  const parsed = parseMigrationFileName(fileName);
  if (parsed === undefined) throw new Error(`bad test fixture ${fileName}`);
  return { ...parsed, sql };
}

test('parseMigrationFileName - shared and dialect-specific names', (t) => {
  t.deepEqual(parseMigrationFileName('0001_create_products.sql'), {
    fileName: '0001_create_products.sql',
    version: 1,
    name: '0001_create_products',
    target: 'all',
  });
  t.like(parseMigrationFileName('0012_product_families.cockroachdb.sql'), {
    version: 12,
    name: '0012_product_families',
    target: 'cockroachdb',
  });
  t.like(parseMigrationFileName('0012_product_families.postgres.sql'), { target: 'postgres' });
});

for (const bad of [
  '1_init.sql',
  '00001_init.sql',
  '0001_Init.sql',
  '0001-init.sql',
  '0001_init.SQL',
  '0001_init.mysql.sql',
  '0001_init.sql.bak',
  '0001_.sql',
  'init.sql',
]) {
  test(`parseMigrationFileName - rejects ${bad}`, (t) => {
    t.is(parseMigrationFileName(bad), undefined);
  });
}

test('readMigrationDir - orders by version and ignores README, .md and hidden files', async (t) => {
  const dir = await folder(t, {
    '0010_ten.sql': 'SELECT 10;',
    '0002_two.sql': 'SELECT 2;',
    '0001_one.sql': 'SELECT 1;',
    'README': 'notes',
    'NOTES.md': 'notes',
    '.gitkeep': '',
  });
  const groups = await readMigrationDir(dir);
  t.deepEqual(
    groups.map((g) => g.map((f) => f.fileName)),
    [['0001_one.sql'], ['0002_two.sql'], ['0010_ten.sql']],
  );
  t.is(groups[1]?.[0]?.sql, 'SELECT 2;');
});

test('readMigrationDir - a stray file is an error naming it', async (t) => {
  const dir = await folder(t, { '0001_one.sql': 'SELECT 1;', '0002_Two.sql': 'SELECT 2;' });
  const err = await t.throwsAsync(readMigrationDir(dir), { instanceOf: MigrationError });
  t.is(err.file, '0002_Two.sql');
  t.regex(err.message, /0002_Two\.sql is not a migration/);
});

test('readMigrationDir - a sub-folder is an error naming it', async (t) => {
  const dir = await folder(t, { '0001_one.sql': 'SELECT 1;' });
  await mkdir(path.join(dir, '0002_two.sql'));
  await t.throwsAsync(readMigrationDir(dir), { instanceOf: MigrationError, message: /0002_two\.sql/ });
});

test('groupMigrations - one version with two names is an error naming both files', (t) => {
  const err = t.throws(() => groupMigrations([file('0001_a.sql'), file('0001_b.sql')]), { instanceOf: MigrationError });
  t.regex(err.message, /0001_a\.sql, 0001_b\.sql/);
});

test('groupMigrations - a shared file and a dialect file for one version is an error', (t) => {
  t.throws(() => groupMigrations([file('0003_x.sql'), file('0003_x.postgres.sql')]), {
    instanceOf: MigrationError,
    message: /0003_x\.postgres\.sql, 0003_x\.sql/,
  });
});

test('planForDialect - picks the shared file or the one for the dialect; none means nothing to run', (t) => {
  const groups = groupMigrations([
    file('0001_base.sql', 'CREATE TABLE a (id UUID PRIMARY KEY);'),
    file('0002_families.cockroachdb.sql', 'ALTER TABLE a ADD COLUMN IF NOT EXISTS b TEXT FAMILY f2;'),
    file('0003_index.postgres.sql', 'CREATE INDEX IF NOT EXISTS a_b ON a (b);'),
    file('0003_index.cockroachdb.sql', 'CREATE INDEX IF NOT EXISTS a_b ON a (b) USING HASH;'),
  ]);
  const postgres = planForDialect(groups, 'postgres');
  t.deepEqual(
    postgres.map((m) => [m.version, m.name, m.fileName]),
    [
      [1, '0001_base', '0001_base.sql'],
      [2, '0002_families', undefined],
      [3, '0003_index', '0003_index.postgres.sql'],
    ],
  );
  t.is(postgres[1]?.sql, '');
  t.is(postgres[1]?.checksum, sha256(''));
  t.is(postgres[2]?.checksum, sha256('CREATE INDEX IF NOT EXISTS a_b ON a (b);'));

  const cockroach = planForDialect(groups, 'cockroachdb');
  t.deepEqual(
    cockroach.map((m) => m.fileName),
    ['0001_base.sql', '0002_families.cockroachdb.sql', '0003_index.cockroachdb.sql'],
  );
  t.regex(cockroach[2]?.sql ?? '', /USING HASH/);
});

test('sha256 - hex digest of the text', (t) => {
  t.is(sha256(''), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
});
