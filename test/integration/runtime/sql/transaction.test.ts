import test from 'ava';
import { useServers } from '../../../support/servers.js';
import { detectDialect } from '../../../../services/runtime/sql/dialect.js';
import { ping } from '../../../../services/runtime/sql/pool.js';
import { sqlState } from '../../../../services/runtime/sql/sql-errors.js';
import { withTransaction } from '../../../../services/runtime/sql/transaction.js';
import { barrier, freshDatabase, openPool } from './fresh-database.js';

const servers = useServers(test, { postgres: true });

test('withTransaction - a real write skew fails one side with 40001, which is retried to the serial outcome', async (t) => {
  const pool = openPool(t, await freshDatabase(servers().postgres, 'skew'));
  await pool.query('CREATE TABLE ledger (id UUID PRIMARY KEY DEFAULT gen_random_uuid(), n INT8 NOT NULL)');

  // Each transaction reads the row set, then writes based on what it read: "next n = count + 1".
  // Both read before either writes, so under snapshot isolation both would insert n = 1.
  const bothRead = barrier(2);
  const retried: unknown[] = [];
  const step = () =>
    withTransaction(
      pool,
      async (tx) => {
        const { rows } = await tx.query<{ c: string }>('SELECT count(*) AS c FROM ledger');
        await bothRead();
        await tx.query('INSERT INTO ledger (n) VALUES ($1)', [Number(rows[0]!.c) + 1]);
      },
      { onRetry: (_attempt, err) => retried.push(err) },
    );
  await Promise.all([step(), step()]);

  t.true(retried.length >= 1, 'PostgreSQL raised a serialization failure');
  t.true(retried.every((err) => sqlState(err) === '40001'));
  const { rows } = await pool.query<{ n: string }>('SELECT n FROM ledger ORDER BY n');
  t.deepEqual(
    rows.map((r) => Number(r.n)),
    [1, 2],
    'as if run one after the other',
  );
});

test('withTransaction - a real deadlock (40P01) is retried and both transactions land', async (t) => {
  const pool = openPool(t, await freshDatabase(servers().postgres, 'deadlock'));
  await pool.query('CREATE TABLE counter (id INT8 PRIMARY KEY, v INT8 NOT NULL)');
  await pool.query('INSERT INTO counter VALUES (1, 0), (2, 0)');

  // Opposite lock order: each holds one row and waits for the other's.
  const bothLocked = barrier(2);
  const retried: unknown[] = [];
  const step = (first: number, second: number) =>
    withTransaction(
      pool,
      async (tx) => {
        await tx.query('UPDATE counter SET v = v + 1 WHERE id = $1', [first]);
        await bothLocked();
        await tx.query('UPDATE counter SET v = v + 1 WHERE id = $1', [second]);
      },
      { onRetry: (_attempt, err) => retried.push(err) },
    );
  await Promise.all([step(1, 2), step(2, 1)]);

  t.true(retried.some((err) => sqlState(err) === '40P01'));
  const { rows } = await pool.query<{ v: string }>('SELECT v FROM counter ORDER BY id');
  t.deepEqual(
    rows.map((r) => Number(r.v)),
    [2, 2],
  );
});

test('withTransaction - a failure rolls everything back and the pool stays usable', async (t) => {
  const pool = openPool(t, await freshDatabase(servers().postgres, 'rollback'), 1);
  await pool.query('CREATE TABLE items (id INT8 PRIMARY KEY)');
  await t.throwsAsync(
    withTransaction(pool, async (tx) => {
      await tx.query('INSERT INTO items VALUES (1)');
      throw new Error('changed my mind');
    }),
    { message: 'changed my mind' },
  );
  // With a single connection, this would hang or fail if it had been left mid-transaction.
  const committed = await withTransaction(pool, async (tx) => {
    await tx.query('INSERT INTO items VALUES (2)');
    return (await tx.query<{ id: string }>('SELECT id FROM items')).rows.map((r) => Number(r.id));
  });
  t.deepEqual(committed, [2]);
});

test('withTransaction - a unique violation surfaces as 23505 without retry', async (t) => {
  const pool = openPool(t, await freshDatabase(servers().postgres, 'unique'));
  await pool.query('CREATE TABLE items (id INT8 PRIMARY KEY)');
  await pool.query('INSERT INTO items VALUES (1)');
  let attempts = 0;
  const err = await t.throwsAsync(
    withTransaction(pool, async (tx) => {
      attempts++;
      await tx.query('INSERT INTO items VALUES (1)');
    }),
  );
  t.is(sqlState(err), '23505');
  t.is(attempts, 1);
});

test('withTransaction - a read-only transaction cannot write', async (t) => {
  const pool = openPool(t, await freshDatabase(servers().postgres, 'readonly'));
  await pool.query('CREATE TABLE items (id INT8 PRIMARY KEY)');
  const err = await t.throwsAsync(
    withTransaction(pool, (tx) => tx.query('INSERT INTO items VALUES (1)'), { readOnly: true }),
  );
  t.is(sqlState(err), '25006');
  const isolation = await withTransaction(pool, async (tx) => (await tx.query('SHOW transaction_isolation')).rows[0], {
    readOnly: true,
  });
  t.deepEqual(isolation, { transaction_isolation: 'serializable' });
});

test('createPool - sessions carry application_name and statement_timeout; ping and detectDialect answer', async (t) => {
  const pool = openPool(t, await freshDatabase(servers().postgres, 'pool'));
  const { rows } = await pool.query('SELECT current_setting($1) AS app, current_setting($2) AS timeout, current_setting($3) AS version', [
    'application_name',
    'statement_timeout',
    'server_version',
  ]);
  t.like(rows[0], { app: 'shopmesh-sql-test', timeout: '10s' });
  await t.notThrowsAsync(ping(pool));
  const aborted = AbortSignal.abort(new Error('not ready'));
  await t.throwsAsync(ping(pool, aborted), { message: 'not ready' });
  // server_version reads "15.5 (Debian 15.5-1)": the dialect's version is its first word.
  t.deepEqual(await detectDialect(pool), { kind: 'postgres', version: String(rows[0].version).split(' ')[0] });
});

test('withTransaction - the caller deadline stops a slow statement in the database (57014) instead of waiting it out', async (t) => {
  const pool = openPool(t, await freshDatabase(servers().postgres, 'deadline'));
  const started = Date.now();
  const err = await t.throwsAsync(withTransaction(pool, (tx) => tx.query('SELECT pg_sleep(5)'), { deadline: Date.now() + 300 }));
  const tookMs = Date.now() - started;
  t.is(sqlState(err), '57014');
  t.true(tookMs < 2_000, `gave up after ${tookMs} ms, not 5 s`);
  // The session setting was LOCAL: the pooled connection is back to no per-call limit.
  const { rows } = await pool.query<{ statement_timeout: string }>('SHOW statement_timeout');
  t.not(rows[0]!.statement_timeout, '300ms');
});
