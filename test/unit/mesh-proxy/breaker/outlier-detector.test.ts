import test from 'ava';
import { OutlierDetector, type EjectionEvent, type OutlierDetectorOptions } from '../../../../mesh-proxy/src/breaker/index.js';
import { FakeClock } from '../../../support/fake-clock.js';

function setup(ids: string[], options: Partial<OutlierDetectorOptions> = {}) {
  const clock = new FakeClock();
  const ejections: Array<EjectionEvent & { id: string }> = [];
  const detector = new OutlierDetector({ clock, onEject: (id, e) => ejections.push({ id, ...e }), ...options });
  detector.update(ids);
  const fail = (id: string, n = 1) => {
    for (let i = 0; i < n; i++) {
      detector.onStart(id);
      detector.onResult(id, false);
    }
  };
  const succeed = (id: string) => {
    detector.onStart(id);
    detector.onResult(id, true);
  };
  const stateOf = (id: string) => detector.snapshot()[id];
  return { clock, detector, ejections, fail, succeed, stateOf };
}

test('outlier detection - ejects after consecutiveFailures failures in a row, not before', (t) => {
  const { clock, detector, ejections, fail } = setup(['a', 'b']);
  fail('a', 4);
  t.true(detector.eligible('a'));
  t.deepEqual(ejections, []);
  fail('a');
  t.false(detector.eligible('a'));
  t.true(detector.eligible('b'));
  t.deepEqual(ejections, [
    { id: 'a', reason: 'consecutive_failures', ejections: 1, durationMs: 10_000, ejectedUntil: clock.now() + 10_000 },
  ]);
  t.deepEqual(detector.stats(), { ejections: 1, overflow: 0 });
});

test('outlier detection - a success in between resets the count', (t) => {
  const { detector, fail, succeed } = setup(['a', 'b']);
  fail('a', 4);
  succeed('a');
  fail('a', 4);
  t.true(detector.eligible('a'));
  fail('a');
  t.false(detector.eligible('a'));
});

test('outlier detection - the ejection lasts base × ejections: 1×, 2×, 3×, capped at maxEjectionMs', async (t) => {
  const { clock, detector, ejections, fail } = setup(['a', 'b'], { maxEjectionMs: 25_000 });
  fail('a', 5);
  for (const expected of [10_000, 20_000, 25_000, 25_000]) {
    t.is(ejections.at(-1)?.durationMs, expected);
    await clock.advance(expected - 1);
    t.false(detector.eligible('a'), `still ejected 1 ms before the end of ${expected} ms`);
    await clock.advance(1);
    t.true(detector.eligible('a'), `probing after ${expected} ms`);
    fail('a'); // the probe fails
  }
  t.deepEqual(
    ejections.map((e) => e.reason),
    ['consecutive_failures', 'probe_failed', 'probe_failed', 'probe_failed', 'probe_failed'],
  );
});

test('outlier detection - a probing endpoint takes one request at a time; a good probe restores it', async (t) => {
  const { clock, detector, fail, stateOf } = setup(['a', 'b']);
  fail('a', 5);
  await clock.advance(10_000);
  t.is(stateOf('a')?.state, 'probing');
  t.true(detector.eligible('a'));
  detector.onStart('a');
  t.false(detector.eligible('a'), 'the probe slot is taken');
  detector.onResult('a', true);
  t.true(detector.eligible('a'));
  t.like(stateOf('a'), { state: 'healthy', consecutiveFailures: 0, ejections: 1, ejectedUntil: undefined });
  detector.onStart('a');
  detector.onStart('a');
  t.true(detector.eligible('a'), 'healthy again: no limit');
});

test('outlier detection - a failed probe ejects again at once, for longer', async (t) => {
  const { clock, detector, fail, stateOf } = setup(['a', 'b']);
  fail('a', 5);
  await clock.advance(10_000);
  detector.onStart('a');
  detector.onResult('a', false);
  t.false(detector.eligible('a'));
  t.like(stateOf('a'), { state: 'ejected', ejections: 2, ejectedUntil: clock.now() + 20_000 });
});

test('outlier detection - a probe without a verdict frees its slot when abandoned or after probeTimeoutMs', async (t) => {
  const { clock, detector, fail } = setup(['a', 'b'], { probeTimeoutMs: 1_000 });
  fail('a', 5);
  await clock.advance(10_000);
  detector.onStart('a');
  detector.onAbandon('a'); // cancelled by the caller
  t.true(detector.eligible('a'));
  detector.onStart('a');
  await clock.advance(999);
  t.false(detector.eligible('a'));
  await clock.advance(1);
  t.true(detector.eligible('a'), 'the lost probe no longer holds the slot');
});

test('outlier detection - results for an ejected endpoint from requests sent earlier are ignored', async (t) => {
  const { clock, detector, fail, stateOf } = setup(['a', 'b']);
  fail('a', 5);
  detector.onResult('a', true);
  detector.onResult('a', false);
  t.like(stateOf('a'), { state: 'ejected', ejections: 1, ejectedUntil: clock.now() + 10_000 });
});

test('outlier detection - the ejection count decays by one per base period healthy', async (t) => {
  const { clock, detector, ejections, fail, succeed, stateOf } = setup(['a', 'b']);
  fail('a', 5);
  await clock.advance(10_000);
  fail('a'); // probe fails: 2nd ejection, 20 s
  await clock.advance(20_000);
  succeed('a');
  t.is(stateOf('a')?.ejections, 2);
  await clock.advance(10_000);
  t.is(stateOf('a')?.ejections, 1);
  fail('a', 5);
  t.is(ejections.at(-1)?.durationMs, 20_000, 'one period forgiven: 2nd ejection, not 3rd');
  await clock.advance(20_000);
  succeed('a');
  await clock.advance(60_000);
  t.is(stateOf('a')?.ejections, 0);
  t.true(detector.eligible('a'));
});

test('outlier detection - ejects at most maxEjectionPercent of the endpoints; the earliest ejected stay out', async (t) => {
  const { clock, detector, fail, succeed } = setup(['a', 'b', 'c', 'd']);
  fail('a', 5);
  await clock.advance(1);
  fail('b', 5);
  fail('c', 7);
  t.deepEqual(['a', 'b', 'c', 'd'].map((id) => detector.eligible(id)), [false, false, true, true]);
  t.deepEqual(detector.stats(), { ejections: 2, overflow: 3 });
  // Probing still counts as out; once a is back, c's next failure ejects it.
  await clock.advance(10_000);
  fail('c');
  t.true(detector.eligible('c'));
  succeed('a');
  fail('c');
  t.false(detector.eligible('c'));
});

test('outlier detection - of two endpoints one can be ejected; a lone endpoint never is', (t) => {
  const two = setup(['a', 'b']);
  two.fail('a', 5);
  two.fail('b', 5);
  t.deepEqual([two.detector.eligible('a'), two.detector.eligible('b')], [false, true]);
  const one = setup(['a'], { maxEjectionPercent: 100 });
  one.fail('a', 50);
  t.true(one.detector.eligible('a'));
  t.deepEqual(one.ejections, []);
  const all = setup(['a', 'b', 'c'], { maxEjectionPercent: 100 });
  for (const id of ['a', 'b', 'c']) all.fail(id, 5);
  t.is(all.ejections.length, 2, 'never all of them');
});

test('outlier detection - removed endpoints are forgotten; unknown ones are eligible', (t) => {
  const { detector, fail, stateOf } = setup(['a', 'b', 'c']);
  fail('a', 5);
  detector.update(['b', 'c']);
  t.is(stateOf('a'), undefined);
  t.true(detector.eligible('a'));
  detector.onResult('a', false); // a late result for a removed endpoint
  detector.update(['a', 'b', 'c']);
  t.like(stateOf('a'), { state: 'healthy', consecutiveFailures: 0, ejections: 0 });
  t.true(detector.eligible('zzz'));
});

test('outlier detection - a shrinking set returns the most recently ejected to rotation', async (t) => {
  const { clock, detector, fail, stateOf } = setup(['a', 'b', 'c', 'd']);
  fail('a', 5);
  await clock.advance(1);
  fail('b', 5);
  detector.update(['a', 'b']);
  t.is(stateOf('a')?.state, 'ejected');
  t.like(stateOf('b'), { state: 'healthy', ejections: 1 });
});

test('outlier detection - snapshot reports every endpoint', (t) => {
  const { clock, detector, fail } = setup(['a', 'b']);
  fail('a', 5);
  fail('b', 2);
  t.deepEqual(detector.snapshot(), {
    a: { state: 'ejected', consecutiveFailures: 5, ejections: 1, ejectedUntil: clock.now() + 10_000 },
    b: { state: 'healthy', consecutiveFailures: 2, ejections: 0, ejectedUntil: undefined },
  });
});

test('outlier detection - bad options fail with the property name', (t) => {
  const clock = new FakeClock();
  t.throws(() => new OutlierDetector({ clock, consecutiveFailures: 0 }), { message: /^consecutiveFailures must be/ });
  t.throws(() => new OutlierDetector({ clock, baseEjectionMs: 10_000, maxEjectionMs: 5_000 }), { message: /^maxEjectionMs must be/ });
  t.throws(() => new OutlierDetector({ clock, maxEjectionPercent: 120 }), { message: /^maxEjectionPercent must be/ });
});
