import { Writable } from 'node:stream';
import test from 'ava';
import { pino } from 'pino';
import { MigrationError, sha256, type PlannedMigration } from '../../../../services/runtime/sql/migration-files.js';
import { ensureHistoryTables, pendingMigrations, type AppliedMigration } from '../../../../services/runtime/sql/migration-history.js';
import { InstantClock } from '../../../support/fake-clock.js';

function planned(version: number, sql: string, fileName: string | undefined = `${String(version).padStart(4, '0')}_m.sql`): PlannedMigration {
  return { version, name: `${String(version).padStart(4, '0')}_m`, fileName, sql, checksum: sha256(sql) };
}

function applied(m: PlannedMigration, checksum = m.checksum): AppliedMigration {
  return { version: m.version, name: m.name, checksum };
}

function capturingLogger() {
  const lines: Array<{ msg: string; version?: number }> = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { log: pino({ level: 'info' }, stream), lines };
}

const plan = [planned(1, 'SELECT 1;'), planned(2, 'SELECT 2;'), planned(3, 'SELECT 3;')];

test('pendingMigrations - everything is pending on an empty history', (t) => {
  t.deepEqual(
    pendingMigrations(plan, []).map((m) => m.version),
    [1, 2, 3],
  );
});

test('pendingMigrations - applied versions are skipped', (t) => {
  t.deepEqual(
    pendingMigrations(plan, [applied(plan[0]!), applied(plan[1]!)]).map((m) => m.version),
    [3],
  );
});

test('pendingMigrations - an applied file that changed fails naming the file', (t) => {
  const err = t.throws(() => pendingMigrations(plan, [applied(plan[0]!), applied(plan[1]!, sha256('SELECT 22;'))]), {
    instanceOf: MigrationError,
  });
  t.is(err.file, '0002_m.sql');
  t.regex(err.message, /0002_m\.sql was changed after it was applied/);
});

test('pendingMigrations - a version with no file for this engine is compared on the empty checksum', (t) => {
  const skipped = planned(2, '', undefined);
  t.deepEqual(pendingMigrations([plan[0]!, skipped], [applied(plan[0]!), applied(skipped)]), []);
  // A file for this engine added after the version was recorded is a changed migration.
  t.throws(() => pendingMigrations([plan[0]!, planned(2, 'SELECT 2;', '0002_m.postgres.sql')], [applied(skipped)]), {
    message: /0002_m\.postgres\.sql was changed/,
  });
});

test('pendingMigrations - versions applied by a newer release are logged, not fatal', async (t) => {
  const { log, lines } = capturingLogger();
  const newer: AppliedMigration = { version: 7, name: '0007_newer', checksum: 'x' };
  const pending = pendingMigrations(plan, [applied(plan[0]!), newer], log);
  t.deepEqual(
    pending.map((m) => m.version),
    [2, 3],
  );
  const warning = lines.find((l) => l.version === 7);
  t.truthy(warning);
  t.regex(warning?.msg ?? '', /newer release/);
});

for (const code of ['23505', '42710', '42P07']) {
  test(`ensureHistoryTables - a concurrent creator's race (${code}) is retried until the tables exist`, async (t) => {
    let calls = 0;
    const db = {
      query: async () => {
        calls++;
        if (calls === 1) throw Object.assign(new Error('raced'), { code });
        return { rows: [], rowCount: 0, command: '', oid: 0, fields: [] };
      },
    };
    await ensureHistoryTables(db as never, new InstantClock());
    t.true(calls > 1);
  });
}

test('ensureHistoryTables - any other error is not retried', async (t) => {
  let calls = 0;
  const db = {
    query: async () => {
      calls++;
      throw Object.assign(new Error('denied'), { code: '42501' });
    },
  };
  await t.throwsAsync(ensureHistoryTables(db as never, new InstantClock()), { message: 'denied' });
  t.is(calls, 1);
});
