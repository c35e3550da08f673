import test from 'ava';
import { DEFAULT_RETRY_POLICY } from '../../../../mesh-proxy/src/retry/index.js';

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
