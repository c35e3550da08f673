// The retry budget: caps retries in flight at a share of the requests in flight, so retries cannot multiply an outage's load.

import { checkOption, isInteger } from './check-option.js';

/** Retries always allowed in flight, even when few requests are (Envoy's `min_retry_concurrency` default). */
export const DEFAULT_MIN_RETRY_CONCURRENCY = 3;
/** Retries in flight allowed per request in flight (Envoy's `budget_percent` default, 20 %). */
export const DEFAULT_RETRY_BUDGET_RATIO = 0.2;

export interface RetryBudgetOptions {
  minRetryConcurrency?: number;
  ratio?: number;
}

export interface RetryBudgetStats {
  readonly activeRequests: number;
  readonly activeRetries: number;
  /** Retries the budget allowed / refused since start. */
  readonly allowed: number;
  readonly refused: number;
}

/**
 * Envoy's retry budget: retries in flight ≤ max(minRetryConcurrency, ⌊ratio × requests in flight⌋).
 * Chosen over linkerd2-proxy's token bucket (each request deposits, each retry withdraws, deposits
 * expire after a TTL) because it needs no clock or time window and is O(1) with two counters, and because
 * its bound follows the load now rather than over the last TTL seconds: when every request fails, at most
 * 20 % more load reaches the upstream. Share one budget per upstream cluster.
 *
 * A retry holds its place from the decision to retry (including its backoff) until `retryFinished()`.
 */
export class RetryBudget {
  readonly minRetryConcurrency: number;
  readonly ratio: number;
  private requests = 0;
  private retries = 0;
  private allowed = 0;
  private refused = 0;

  constructor(options: RetryBudgetOptions = {}) {
    const { minRetryConcurrency = DEFAULT_MIN_RETRY_CONCURRENCY, ratio = DEFAULT_RETRY_BUDGET_RATIO } = options;
    checkOption(isInteger(minRetryConcurrency, 0), 'minRetryConcurrency', 'an integer ≥ 0', minRetryConcurrency);
    checkOption(ratio >= 0 && ratio <= 1, 'ratio', 'between 0 and 1', ratio);
    this.minRetryConcurrency = minRetryConcurrency;
    this.ratio = ratio;
  }

  /** An original request (not a retry) starts / ends. */
  requestStarted(): void {
    this.requests++;
  }

  requestFinished(): void {
    if (this.requests > 0) this.requests--;
  }

  /** Takes a place for one retry, or false (counted) when the budget is spent. Pair a true with `retryFinished()`. */
  tryAcquireRetry(): boolean {
    if (this.retries < Math.max(this.minRetryConcurrency, Math.floor(this.ratio * this.requests))) {
      this.retries++;
      this.allowed++;
      return true;
    }
    this.refused++;
    return false;
  }

  retryFinished(): void {
    if (this.retries > 0) this.retries--;
  }

  stats(): RetryBudgetStats {
    return { activeRequests: this.requests, activeRetries: this.retries, allowed: this.allowed, refused: this.refused };
  }
}
