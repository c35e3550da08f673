import test from 'ava';
import { FakeClock, InstantClock } from '../../../support/fake-clock.js';
import {
  keepLeaseAlive,
  LeaseLostError,
  releaseLease,
  renewLease,
  tryAcquireLease,
} from '../../../../services/runtime/sql/migration-lease.js';
import { FakePool, pgError } from './fake-pool.js';

const holder = 'host:1:abc';
const statementsOf = (pool: FakePool) => pool.clients.flatMap((c) => c.queries.filter((q) => !/^(BEGIN|COMMIT|ROLLBACK)/.test(q)));

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setImmediate(r));
}

test('tryAcquireLease - true only when the upsert returned our row', async (t) => {
  const won = new FakePool((text) => (text.includes('INSERT INTO schema_migration_lease') ? { rows: [{ holder }] } : undefined));
  t.true(await tryAcquireLease(won, { holder, leaseMs: 30_000, clock: new InstantClock() }));
  const lost = new FakePool(() => ({ rows: [] }));
  t.false(await tryAcquireLease(lost, { holder, leaseMs: 30_000, clock: new InstantClock() }));
});

test('tryAcquireLease - expiry comes from the database clock, takeover only when expired', async (t) => {
  const pool = new FakePool();
  await tryAcquireLease(pool, { holder, leaseMs: 1234, clock: new InstantClock() });
  const sql = statementsOf(pool)[0] ?? '';
  t.regex(sql, /ON CONFLICT \(id\) DO UPDATE/);
  t.regex(sql, /WHERE schema_migration_lease\.expires_at < now\(\)/);
  t.regex(sql, /now\(\) \+ \$3::INT8 \* INTERVAL '1 millisecond'/);
  t.notRegex(sql, /UPSERT|pg_advisory/i);
});

test('renewLease - throws LeaseLostError when the row is no longer ours', async (t) => {
  const gone = await new FakePool(() => ({ rows: [] })).connect();
  await t.throwsAsync(renewLease(gone, holder, 1000), { instanceOf: LeaseLostError });
  const ours = await new FakePool(() => ({ rows: [{ holder }] })).connect();
  await t.notThrowsAsync(renewLease(ours, holder, 1000));
  t.deepEqual(ours.queries.length, 1);
});

test('releaseLease - never throws; an unreleased lease just expires', async (t) => {
  const pool = new FakePool((text) => {
    if (text.includes('DELETE FROM schema_migration_lease')) throw pgError('08006', 'connection failure');
  });
  await t.notThrowsAsync(releaseLease(pool, { holder, leaseMs: 1000, clock: new InstantClock() }));
});

test('keepLeaseAlive - renews every leaseMs/3 until stopped', async (t) => {
  const clock = new FakeClock();
  const pool = new FakePool(() => ({ rows: [{ holder }] }));
  const heartbeat = keepLeaseAlive(pool, { holder, leaseMs: 3_000, clock });
  await until(() => clock.pending === 1);
  t.deepEqual(clock.sleeps, [1_000]);
  await clock.advance(1_000);
  await until(() => clock.pending === 1 && clock.sleeps.length === 2);
  t.is(statementsOf(pool).filter((q) => q.includes('UPDATE schema_migration_lease')).length, 1);
  await heartbeat.stop();
  t.is(heartbeat.lost(), undefined);
  await clock.advance(10_000);
  t.is(statementsOf(pool).length, 1, 'no renewal after stop');
});

test('keepLeaseAlive - a renewal that finds the lease gone is reported by lost()', async (t) => {
  const clock = new FakeClock();
  const pool = new FakePool(() => ({ rows: [] }));
  const heartbeat = keepLeaseAlive(pool, { holder, leaseMs: 300, clock });
  await until(() => clock.pending === 1);
  await clock.advance(100);
  await until(() => heartbeat.lost() !== undefined);
  t.true(heartbeat.lost() instanceof LeaseLostError);
  await heartbeat.stop();
});

test('keepLeaseAlive - a transient renewal failure is retried on the next tick', async (t) => {
  const clock = new FakeClock();
  let calls = 0;
  const pool = new FakePool((text) => {
    if (!text.includes('UPDATE schema_migration_lease')) return undefined;
    if (++calls === 1) throw pgError('57014', 'canceling statement due to statement timeout');
    return { rows: [{ holder }] };
  });
  const heartbeat = keepLeaseAlive(pool, { holder, leaseMs: 300, clock });
  await until(() => clock.pending === 1);
  await clock.advance(100);
  await until(() => clock.pending === 1 && calls === 1);
  await clock.advance(100);
  await until(() => calls === 2);
  t.is(heartbeat.lost(), undefined);
  await heartbeat.stop();
});
