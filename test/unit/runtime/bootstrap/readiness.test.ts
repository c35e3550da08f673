import test from 'ava';
import { ReadinessMonitor } from '../../../../services/runtime/bootstrap/readiness.js';
import { FakeClock } from '../../../support/fake-clock.js';

test('readiness - reports the first state at start, then only changes, checking every interval', async (t) => {
  const clock = new FakeClock();
  const answers = [true, true, false, false, true];
  let checks = 0;
  const changes: boolean[] = [];
  const monitor = new ReadinessMonitor({
    check: async () => {
      const ok = answers[checks++] ?? true;
      if (!ok) throw new Error('database down');
    },
    onChange: (ready) => changes.push(ready),
    intervalMs: 1000,
    clock,
  });
  await monitor.start();
  t.deepEqual(changes, [true]);
  for (let i = 0; i < 4; i++) await clock.advance(1000);
  t.is(checks, 5);
  t.deepEqual(changes, [true, false, true]);
  monitor.stop();
  await clock.advance(5000);
  t.is(checks, 5, 'no checks after stop');
});

test('readiness - a check that hangs counts as not ready after one interval', async (t) => {
  const clock = new FakeClock();
  const changes: Array<[boolean, string | undefined]> = [];
  const monitor = new ReadinessMonitor({
    check: () => new Promise(() => {}), // never answers, ignores its signal
    onChange: (ready, err) => changes.push([ready, (err as Error | undefined)?.message]),
    intervalMs: 50,
    clock,
  });
  const started = monitor.start();
  await clock.advance(50);
  await started;
  monitor.stop();
  t.deepEqual(changes, [[false, 'no answer within 50 ms']]);
});
