import test from 'ava';
import { DEFAULT_RETRY_POLICY, parseRetryPolicy } from '../../../../mesh-proxy/src/retry/index.js';

test('retry policy - defaults: 2 retries of UNAVAILABLE, connect failures, refused streams and resets', (t) => {
  t.like(DEFAULT_RETRY_POLICY, {
    numRetries: 2,
    retryOnConnectFailure: true,
    retryOnRefusedStream: true,
    retryOnReset: true,
    backoffBaseMs: 25,
    backoffMaxMs: 250,
    maxReplayBytes: 65_536,
    deadlineMarginMs: 10,
  });
  t.deepEqual([...DEFAULT_RETRY_POLICY.retryOn], [14]);
  t.true(Object.isFrozen(DEFAULT_RETRY_POLICY));
});

test('retry policy - parse fills in defaults and takes retryOn as a list', (t) => {
  const p = parseRetryPolicy({ numRetries: 1, retryOn: [14, 8], backoffMaxMs: undefined });
  t.is(p.numRetries, 1);
  t.deepEqual([...p.retryOn], [14, 8]);
  t.is(p.backoffMaxMs, 250);
  t.deepEqual(parseRetryPolicy(), { ...DEFAULT_RETRY_POLICY, retryOn: new Set([14]) });
});

test('retry policy - a bad value fails with the property name', (t) => {
  t.throws(() => parseRetryPolicy({ numRetries: -1 }, 'routes.order'), { message: /^routes\.order\.numRetries must be an integer ≥ 0, got -1$/ });
  t.throws(() => parseRetryPolicy({ retryOn: [0] }), { message: /^retry\.retryOn must be gRPC status codes from 1 to 16, got 0$/ });
  t.throws(() => parseRetryPolicy({ backoffBaseMs: 100, backoffMaxMs: 50 }), { message: /^retry\.backoffMaxMs must be/ });
  t.throws(() => parseRetryPolicy({ retryOnReset: 'yes' as unknown as boolean }), { message: /^retry\.retryOnReset must be a boolean/ });
});
