import test from 'ava';
import {
  decideRetry,
  DEFAULT_RETRY_POLICY,
  RetryBudget,
  type RetryCause,
  type RetryInput,
  type RetryPolicy,
} from '../../../../mesh-proxy/src/retry/index.js';
import { InstantClock } from '../../../support/fake-clock.js';

const clock = new InstantClock();

function input(overrides: Partial<RetryInput> = {}): RetryInput {
  return {
    policy: DEFAULT_RETRY_POLICY,
    cause: { kind: 'connect_failure' },
    attempt: 1,
    replayable: true,
    now: clock.now(),
    deadline: undefined,
    budget: new RetryBudget(),
    random: () => 0.5,
    ...overrides,
  };
}

type Flag = 'retryOnConnectFailure' | 'retryOnRefusedStream' | 'retryOnReset';
const causes: Array<[label: string, cause: RetryCause, flag: Flag]> = [
  ['a connect failure', { kind: 'connect_failure' }, 'retryOnConnectFailure'],
  ['a refused stream', { kind: 'refused_stream' }, 'retryOnRefusedStream'],
  ['a reset with REFUSED_STREAM (0x7)', { kind: 'reset', code: 0x7 }, 'retryOnRefusedStream'],
  ['a reset with INTERNAL_ERROR (0x2)', { kind: 'reset', code: 0x2 }, 'retryOnReset'],
  ['a reset with CANCEL (0x8)', { kind: 'reset', code: 0x8 }, 'retryOnReset'],
];

for (const [label, cause, flag] of causes) {
  test(`decideRetry - ${label} is retried by default, not when ${flag} is off`, (t) => {
    t.true(decideRetry(input({ cause })).retry);
    const off: RetryPolicy = { ...DEFAULT_RETRY_POLICY, [flag]: false };
    t.deepEqual(decideRetry(input({ cause, policy: off })), { retry: false, reason: 'not_retriable' });
    // Turning the flag off changes nothing for the causes under other flags.
    for (const [otherLabel, other, otherFlag] of causes) {
      if (otherFlag !== flag) t.true(decideRetry(input({ cause: other, policy: off })).retry, otherLabel);
    }
  });
}

test('decideRetry - statuses: only those in retryOn, by default UNAVAILABLE only', (t) => {
  const status = (grpcStatus: number) => ({ kind: 'status', grpcStatus }) as const;
  t.true(decideRetry(input({ cause: status(14) })).retry);
  for (const code of [2, 4, 8, 9, 13]) {
    t.deepEqual(decideRetry(input({ cause: status(code) })), { retry: false, reason: 'not_retriable' }, `code ${code}`);
  }
  const policy = { ...DEFAULT_RETRY_POLICY, retryOn: new Set([8]) };
  t.true(decideRetry(input({ policy, cause: status(8) })).retry);
  t.false(decideRetry(input({ policy, cause: status(14) })).retry);
});

test('decideRetry - numRetries retries, then attempts_exhausted', (t) => {
  t.true(decideRetry(input({ attempt: 1 })).retry);
  t.true(decideRetry(input({ attempt: 2 })).retry);
  t.deepEqual(decideRetry(input({ attempt: 3 })), { retry: false, reason: 'attempts_exhausted' });
  const none = { ...DEFAULT_RETRY_POLICY, numRetries: 0 };
  t.deepEqual(decideRetry(input({ policy: none })), { retry: false, reason: 'attempts_exhausted' });
});

test('decideRetry - a body that outgrew the replay buffer is not retried', (t) => {
  t.deepEqual(decideRetry(input({ replayable: false })), { retry: false, reason: 'body_too_large' });
});

test('decideRetry - backoff is full jitter within [0, min(max, base × 2^(n-1)))', (t) => {
  const delay = (attempt: number, r: number) => {
    const policy = { ...DEFAULT_RETRY_POLICY, numRetries: 10 };
    const d = decideRetry(input({ policy, attempt, random: () => r }));
    return d.retry ? d.delayMs : -1;
  };
  t.deepEqual([1, 2, 3, 4, 5, 8].map((n) => delay(n, 0)), [0, 0, 0, 0, 0, 0]);
  t.deepEqual([1, 2, 3, 4, 5, 8].map((n) => delay(n, 0.999)), [24, 49, 99, 199, 249, 249]);
});

test('decideRetry - no retry whose backoff ends past the deadline minus the margin', (t) => {
  const now = clock.now();
  const at = (deadline: number, r = 0.999) => decideRetry(input({ now, deadline, random: () => r }));
  // Backoff 24 ms + margin 10 ms: the deadline must be at least 34 ms away.
  t.deepEqual(at(now + 34), { retry: true, delayMs: 24 });
  t.deepEqual(at(now + 33), { retry: false, reason: 'deadline' });
  t.deepEqual(at(now + 10, 0), { retry: true, delayMs: 0 });
  t.deepEqual(at(now + 9, 0), { retry: false, reason: 'deadline' });
  t.deepEqual(at(now - 1, 0), { retry: false, reason: 'deadline' });
});

test('decideRetry - deadline cut-off as time passes on the clock', async (t) => {
  const c = new InstantClock();
  const deadline = c.now() + 100;
  const decide = () => decideRetry(input({ now: c.now(), deadline, random: () => 0.999 }));
  t.true(decide().retry);
  await c.sleep(66);
  t.true(decide().retry); // 66 + 24 = 90 = 100 - 10
  await c.sleep(1);
  t.deepEqual(decide(), { retry: false, reason: 'deadline' });
});

test('decideRetry - the budget is asked last and only when all else allows a retry', (t) => {
  const budget = new RetryBudget({ minRetryConcurrency: 1, ratio: 0 });
  t.false(decideRetry(input({ budget, replayable: false })).retry);
  t.false(decideRetry(input({ budget, attempt: 9 })).retry);
  t.false(decideRetry(input({ budget, cause: { kind: 'status', grpcStatus: 3 } })).retry);
  t.false(decideRetry(input({ budget, deadline: clock.now() })).retry);
  t.deepEqual(budget.stats(), { activeRequests: 0, activeRetries: 0, allowed: 0, refused: 0 });
  t.true(decideRetry(input({ budget })).retry);
  t.deepEqual(decideRetry(input({ budget })), { retry: false, reason: 'budget' });
  t.like(budget.stats(), { activeRetries: 1, allowed: 1, refused: 1 });
});
