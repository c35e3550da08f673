// A manual clock for tests: time moves only when the test advances it.
import type { Clock } from '../../services/runtime/clock.js';

interface Sleeper {
  at: number;
  resolve: () => void;
}

export class FakeClock implements Clock {
  protected current: number;
  private sleepers: Sleeper[] = [];
  /** Every sleep requested, in order, in ms. */
  readonly sleeps: number[] = [];

  constructor(start = 1_700_000_000_000) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const sleeper: Sleeper = { at: this.current + ms, resolve };
      this.sleepers.push(sleeper);
      signal?.addEventListener(
        'abort',
        () => {
          this.sleepers = this.sleepers.filter((s) => s !== sleeper);
          reject(signal.reason);
        },
        { once: true },
      );
    });
  }

  /** Moves time forward and wakes every sleeper that is due, in time order. */
  async advance(ms: number): Promise<void> {
    this.current += ms;
    const due = this.sleepers.filter((s) => s.at <= this.current).sort((a, b) => a.at - b.at);
    this.sleepers = this.sleepers.filter((s) => s.at > this.current);
    for (const s of due) s.resolve();
    // Let the woken code run up to its next await.
    await new Promise((r) => setImmediate(r));
  }

  /** Number of sleepers waiting. */
  get pending(): number {
    return this.sleepers.length;
  }
}

/** A fake clock whose sleeps return at once (after advancing time): for code that only needs time to pass. */
export class InstantClock extends FakeClock {
  override sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    if (signal?.aborted) return Promise.reject(signal.reason);
    this.current += ms;
    return Promise.resolve();
  }
}
