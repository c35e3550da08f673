import test from 'ava';
import { RetryBudget } from '../../../../mesh-proxy/src/retry/index.js';

const acquireAll = (budget: RetryBudget, tries: number) => {
  let allowed = 0;
  for (let i = 0; i < tries; i++) if (budget.tryAcquireRetry()) allowed++;
  return allowed;
};

test('retry budget - with 100 requests in flight and ratio 0.2, at most 20 retries in flight', (t) => {
  const budget = new RetryBudget();
  for (let i = 0; i < 100; i++) budget.requestStarted();
  t.is(acquireAll(budget, 50), 20);
  t.deepEqual(budget.stats(), { activeRequests: 100, activeRetries: 20, allowed: 20, refused: 30 });
});

test('retry budget - a floor of minRetryConcurrency when few requests are in flight', (t) => {
  const budget = new RetryBudget();
  t.is(acquireAll(budget, 10), 3);
  const busy = new RetryBudget();
  for (let i = 0; i < 10; i++) busy.requestStarted(); // 0.2 × 10 = 2 < 3
  t.is(acquireAll(busy, 10), 3);
});

test('retry budget - finished retries give their place back', (t) => {
  const budget = new RetryBudget();
  t.is(acquireAll(budget, 3), 3);
  t.false(budget.tryAcquireRetry());
  budget.retryFinished();
  t.true(budget.tryAcquireRetry());
  t.like(budget.stats(), { activeRetries: 3, allowed: 4, refused: 1 });
});

test('retry budget - the bound follows requests in flight as they finish', (t) => {
  const budget = new RetryBudget({ minRetryConcurrency: 0, ratio: 0.5 });
  for (let i = 0; i < 4; i++) budget.requestStarted();
  t.is(acquireAll(budget, 5), 2);
  budget.requestFinished();
  budget.requestFinished();
  budget.retryFinished();
  t.false(budget.tryAcquireRetry(), '1 retry in flight is the bound for 2 requests');
  budget.requestFinished();
  budget.requestFinished();
  budget.requestFinished(); // one too many: never below zero
  t.like(budget.stats(), { activeRequests: 0 });
});

test('retry budget - bad options name the property', (t) => {
  t.throws(() => new RetryBudget({ ratio: 1.5 }), { message: /^ratio must be between 0 and 1/ });
  t.throws(() => new RetryBudget({ minRetryConcurrency: -1 }), { message: /^minRetryConcurrency must be/ });
});
