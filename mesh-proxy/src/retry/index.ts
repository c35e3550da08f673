// Retries: which failed attempts are retried, after what backoff, within what deadline and budget.

export { decideRetry, type RetryDecision, type RetryInput, type RetryRefusal } from './decide-retry.js';
export {
  DEFAULT_MIN_RETRY_CONCURRENCY,
  DEFAULT_RETRY_BUDGET_RATIO,
  RetryBudget,
  type RetryBudgetOptions,
  type RetryBudgetStats,
} from './retry-budget.js';
export { isRetriableCause, type RetryCause } from './retry-cause.js';
export {
  DEFAULT_MAX_REPLAY_BYTES,
  DEFAULT_NUM_RETRIES,
  DEFAULT_RETRY_BACKOFF_BASE_MS,
  DEFAULT_RETRY_BACKOFF_MAX_MS,
  DEFAULT_RETRY_DEADLINE_MARGIN_MS,
  DEFAULT_RETRY_ON,
  DEFAULT_RETRY_ON_CONNECT_FAILURE,
  DEFAULT_RETRY_ON_REFUSED_STREAM,
  DEFAULT_RETRY_ON_RESET,
  DEFAULT_RETRY_POLICY,
  type RetryPolicy,
} from './retry-policy.js';
