// A token bucket on an injected clock: lets a couple of requests through at once, then paces the rest.
import type { Clock } from '../clock.js';

export interface TokenBucketOptions {
  /** Requests allowed back to back before pacing starts. */
  burst: number;
  /** One token comes back every intervalMs. */
  intervalMs: number;
  clock: Clock;
}

export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(private readonly options: TokenBucketOptions) {
    this.tokens = options.burst;
    this.updatedAt = options.clock.now();
  }

  /** Resolves once a token is taken; rejects with the signal's reason if it aborts while waiting. */
  async take(signal?: AbortSignal): Promise<void> {
    for (;;) {
      this.refill();
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      const waitMs = Math.ceil((1 - this.tokens) * this.options.intervalMs);
      await this.options.clock.sleep(waitMs, signal);
    }
  }

  private refill(): void {
    const now = this.options.clock.now();
    const elapsed = Math.max(0, now - this.updatedAt);
    this.updatedAt = now;
    this.tokens = Math.min(this.options.burst, this.tokens + elapsed / this.options.intervalMs);
  }
}
