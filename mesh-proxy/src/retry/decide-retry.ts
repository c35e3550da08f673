// Decides whether one failed attempt is retried, and after how long.

import { backoffMs, type Random } from '../clock.js';
import { isRetriableCause, type RetryCause } from './retry-cause.js';
import type { RetryBudget } from './retry-budget.js';
import { DEFAULT_RETRY_DEADLINE_MARGIN_MS, type RetryPolicy } from './retry-policy.js';

export type RetryRefusal = 'not_retriable' | 'attempts_exhausted' | 'body_too_large' | 'deadline' | 'budget';

export type RetryDecision = { retry: true; delayMs: number } | { retry: false; reason: RetryRefusal };

export interface RetryInput {
  policy: RetryPolicy;
  cause: RetryCause;
  /** Attempts made so far, the failed one included (1 after the first attempt). */
  attempt: number;
  /** False once the request body outgrew `policy.maxReplayBytes` and can no longer be replayed. */
  replayable: boolean;
  /** clock.now() */
  now: number;
  /** Epoch ms when the caller's deadline (grpc-timeout) expires; undefined when it set none. */
  deadline: number | undefined;
  budget: Pick<RetryBudget, 'tryAcquireRetry'>;
  random: Random;
}

/**
 * Checks, in order: the cause is one the policy retries, retries are left, the body can be replayed, the
 * backoff ends at least `deadlineMarginMs` before the deadline, and last the budget, the only check with
 * a side effect: a `retry: true` holds a budget place the caller returns with `retryFinished()`.
 */
export function decideRetry(input: RetryInput): RetryDecision {
  const { policy, attempt, deadline } = input;
  if (!isRetriableCause(policy, input.cause)) return { retry: false, reason: 'not_retriable' };
  if (attempt > policy.numRetries) return { retry: false, reason: 'attempts_exhausted' };
  if (!input.replayable) return { retry: false, reason: 'body_too_large' };
  const delayMs = backoffMs(attempt, policy.backoffBaseMs, policy.backoffMaxMs, input.random);
  if (deadline !== undefined && input.now + delayMs > deadline - (policy.deadlineMarginMs ?? DEFAULT_RETRY_DEADLINE_MARGIN_MS)) {
    return { retry: false, reason: 'deadline' };
  }
  if (!input.budget.tryAcquireRetry()) return { retry: false, reason: 'budget' };
  return { retry: true, delayMs };
}
