import test from 'ava';
import { FakeClock, InstantClock } from '../../../support/fake-clock.js';
import { TransactionRetryError, withTransaction, type Tx } from '../../../../services/runtime/sql/transaction.js';
import { FakePool, pgError } from './fake-pool.js';

const BEGIN = 'BEGIN ISOLATION LEVEL SERIALIZABLE';

test('withTransaction - retries the whole function on 40001, then commits', async (t) => {
  const pool = new FakePool();
  const clock = new InstantClock();
  const retries: Array<[number, unknown]> = [];
  let calls = 0;
  const result = await withTransaction(
    pool,
    async (tx) => {
      calls++;
      await tx.query('SELECT 1');
      if (calls < 3) throw pgError('40001', 'restart transaction');
      return 'done';
    },
    { clock, onRetry: (attempt, err) => retries.push([attempt, err]) },
  );
  t.is(result, 'done');
  t.is(calls, 3);
  t.deepEqual(
    retries.map(([attempt]) => attempt),
    [1, 2],
  );
  t.deepEqual(
    pool.clients.map((c) => c.queries),
    [
      [BEGIN, 'SELECT 1', 'ROLLBACK'],
      [BEGIN, 'SELECT 1', 'ROLLBACK'],
      [BEGIN, 'SELECT 1', 'COMMIT'],
    ],
  );
  // Every connection went back to the pool intact.
  t.deepEqual(
    pool.clients.map((c) => c.released),
    [{ err: undefined }, { err: undefined }, { err: undefined }],
  );
});

test('withTransaction - retries when COMMIT itself fails with 40001', async (t) => {
  const pool = new FakePool((text, client) => {
    if (text === 'COMMIT' && client === 0) throw pgError('40001');
  });
  let calls = 0;
  await withTransaction(pool, async () => void calls++, { clock: new InstantClock() });
  t.is(calls, 2);
  t.deepEqual(pool.clients[1]?.queries, [BEGIN, 'COMMIT']);
});

test('withTransaction - retries a deadlock victim (40P01)', async (t) => {
  const pool = new FakePool();
  let calls = 0;
  await withTransaction(
    pool,
    async () => {
      if (++calls === 1) throw pgError('40P01', 'deadlock detected');
    },
    { clock: new InstantClock() },
  );
  t.is(calls, 2);
});

test('withTransaction - gives up after maxAttempts with TransactionRetryError whose cause is the last error', async (t) => {
  const pool = new FakePool();
  const clock = new InstantClock();
  const thrown: Error[] = [];
  const err = await t.throwsAsync(
    withTransaction(
      pool,
      async () => {
        const e = pgError('40001', `conflict ${thrown.length + 1}`);
        thrown.push(e);
        throw e;
      },
      { clock },
    ),
    { instanceOf: TransactionRetryError },
  );
  t.is(err.attempts, 10);
  t.is(thrown.length, 10);
  t.is(err.cause, thrown[9]);
  t.regex(err.message, /10 attempts.*40001: conflict 10/);
  t.is(clock.sleeps.length, 9, 'no wait after the last attempt');
  t.true(pool.clients.every((c) => c.queries.at(-1) === 'ROLLBACK' && c.released?.err === undefined));
});

test('withTransaction - honours a smaller maxAttempts', async (t) => {
  const pool = new FakePool();
  const err = await t.throwsAsync(
    withTransaction(pool, async () => Promise.reject(pgError('40001')), { clock: new InstantClock(), maxAttempts: 3 }),
    { instanceOf: TransactionRetryError },
  );
  t.is(err.attempts, 3);
  t.is(pool.clients.length, 3);
});

for (const code of ['23505', '40003', '42P01', '25006']) {
  test(`withTransaction - does not retry SQLSTATE ${code}, rolls back and rethrows it`, async (t) => {
    const pool = new FakePool();
    const original = pgError(code);
    let calls = 0;
    const err = await t.throwsAsync(
      withTransaction(
        pool,
        async () => {
          calls++;
          throw original;
        },
        { clock: new InstantClock(), onRetry: () => t.fail('onRetry called') },
      ),
    );
    t.is(err, original);
    t.is(calls, 1);
    t.deepEqual(pool.clients[0]?.queries, [BEGIN, 'ROLLBACK']);
    t.deepEqual(pool.clients[0]?.released, { err: undefined });
  });
}

test('withTransaction - an application error rolls back and keeps the connection', async (t) => {
  const pool = new FakePool();
  const err = await t.throwsAsync(
    withTransaction(pool, async (tx) => {
      await tx.query('INSERT INTO t VALUES (1)');
      throw new TypeError('bug');
    }),
    { instanceOf: TypeError },
  );
  t.is(err.message, 'bug');
  t.deepEqual(pool.clients[0]?.queries, [BEGIN, 'INSERT INTO t VALUES (1)', 'ROLLBACK']);
  t.deepEqual(pool.clients[0]?.released, { err: undefined });
});

test('withTransaction - destroys the connection when ROLLBACK fails', async (t) => {
  const gone = new Error('Connection terminated unexpectedly');
  const pool = new FakePool((text) => {
    if (text !== BEGIN) throw gone;
  });
  const err = await t.throwsAsync(withTransaction(pool, (tx) => tx.query('SELECT 1')));
  t.is(err, gone);
  t.is(pool.clients[0]?.released?.err, gone);
});

test('withTransaction - destroys the connection on a connection-failure SQLSTATE without trying ROLLBACK', async (t) => {
  const shutdown = pgError('57P01', 'terminating connection due to administrator command');
  const pool = new FakePool((text) => {
    if (text === 'SELECT 1') throw shutdown;
  });
  await t.throwsAsync(withTransaction(pool, (tx) => tx.query('SELECT 1')));
  t.deepEqual(pool.clients[0]?.queries, [BEGIN, 'SELECT 1']);
  t.is(pool.clients[0]?.released?.err, shutdown);
});

test('withTransaction - backoff is full jitter under the doubling ceiling, capped', async (t) => {
  const run = async (random: () => number) => {
    const clock = new InstantClock();
    await t.throwsAsync(
      withTransaction(new FakePool(), async () => Promise.reject(pgError('40001')), { clock, random }),
      { instanceOf: TransactionRetryError },
    );
    return clock.sleeps;
  };
  // Ceilings for attempts 1..9 with base 10 ms, cap 1 s: 10, 20, 40, ..., 640, 1000, 1000.
  t.deepEqual(await run(() => 0.999), [9, 19, 39, 79, 159, 319, 639, 999, 999]);
  t.deepEqual(await run(() => 0), [0, 0, 0, 0, 0, 0, 0, 0, 0]);
});

test('withTransaction - custom base and cap are used', async (t) => {
  const clock = new InstantClock();
  await t.throwsAsync(
    withTransaction(new FakePool(), async () => Promise.reject(pgError('40001')), {
      clock,
      random: () => 0.5,
      maxAttempts: 5,
      baseBackoffMs: 100,
      maxBackoffMs: 300,
    }),
  );
  t.deepEqual(clock.sleeps, [50, 100, 150, 150]);
});

test('withTransaction - aborting during the backoff stops retrying', async (t) => {
  const clock = new FakeClock();
  const controller = new AbortController();
  let calls = 0;
  const running = withTransaction(
    new FakePool(),
    async () => {
      calls++;
      throw pgError('40001');
    },
    { clock, signal: controller.signal },
  );
  while (clock.pending === 0) await new Promise((r) => setImmediate(r));
  controller.abort(new Error('shutting down'));
  await t.throwsAsync(running, { message: 'shutting down' });
  await clock.advance(10_000);
  t.is(calls, 1);
});

test('withTransaction - does not start when the signal is already aborted', async (t) => {
  const pool = new FakePool();
  const controller = new AbortController();
  controller.abort(new Error('too late'));
  await t.throwsAsync(
    withTransaction(pool, async () => t.fail('fn ran'), { signal: controller.signal }),
    { message: 'too late' },
  );
  t.is(pool.clients.length, 0);
});

test('withTransaction - readOnly begins a READ ONLY transaction', async (t) => {
  const pool = new FakePool();
  await withTransaction(pool, async () => undefined, { readOnly: true });
  t.deepEqual(pool.clients[0]?.queries, ['BEGIN ISOLATION LEVEL SERIALIZABLE, READ ONLY', 'COMMIT']);
});

test('withTransaction - a Tx kept past its transaction refuses to run', async (t) => {
  const pool = new FakePool();
  let leaked: Tx | undefined;
  await withTransaction(pool, async (tx) => {
    leaked = tx;
  });
  await t.throwsAsync(leaked!.query('SELECT 1'), { message: /after its transaction ended/ });
  t.deepEqual(pool.clients[0]?.queries, [BEGIN, 'COMMIT']);
});

test('withTransaction - rejects a maxAttempts below 1', async (t) => {
  await t.throwsAsync(withTransaction(new FakePool(), async () => 1, { maxAttempts: 0 }), { instanceOf: RangeError });
});

test('withTransaction - a deadline bounds every statement with SET LOCAL statement_timeout, recomputed per attempt', async (t) => {
  const clock = new InstantClock();
  const pool = new FakePool();
  let calls = 0;
  await withTransaction(
    pool,
    async (tx) => {
      await tx.query('SELECT 1');
      if (++calls === 1) throw pgError('40001');
    },
    { clock, deadline: clock.now() + 250, statementTimeoutMs: 10_000, random: () => 0.5, baseBackoffMs: 100 },
  );
  // Attempt 1 has 250 ms left; the backoff (50 ms) uses some, so attempt 2 has 200 ms.
  t.deepEqual(
    pool.clients.map((c) => c.queries[1]),
    ['SET LOCAL statement_timeout = 250', 'SET LOCAL statement_timeout = 200'],
  );
});

test('withTransaction - the smaller of deadline and statementTimeoutMs applies; neither leaves the session setting alone', async (t) => {
  const clock = new InstantClock();
  const capped = new FakePool();
  await withTransaction(capped, async (tx) => void (await tx.query('SELECT 1')), { clock, deadline: clock.now() + 60_000, statementTimeoutMs: 5_000 });
  t.is(capped.clients[0]!.queries[1], 'SET LOCAL statement_timeout = 5000');

  const passed = new FakePool();
  await withTransaction(passed, async (tx) => void (await tx.query('SELECT 1')), { clock, deadline: clock.now() - 10 });
  t.is(passed.clients[0]!.queries[1], 'SET LOCAL statement_timeout = 1', 'a passed deadline gets the smallest timeout, never 0 (= none)');

  const none = new FakePool();
  await withTransaction(none, async (tx) => void (await tx.query('SELECT 1')), { clock });
  t.deepEqual(none.clients[0]!.queries, [BEGIN, 'SELECT 1', 'COMMIT']);
});
