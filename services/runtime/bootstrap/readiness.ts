// Re-checks a dependency on an interval and reports when readiness changes.
import type { Clock } from '../clock.js';

export interface ReadinessOptions {
  /** Resolves when the dependency is usable. */
  check(signal: AbortSignal): Promise<void>;
  onChange(ready: boolean, err?: unknown): void;
  intervalMs: number;
  clock: Clock;
}

export class ReadinessMonitor {
  private readonly stopping = new AbortController();
  private ready: boolean | undefined;

  constructor(private readonly options: ReadinessOptions) {}

  /** Runs the first check (so callers know the state), then keeps checking in the background. */
  async start(): Promise<void> {
    await this.probe();
    void this.loop();
  }

  stop(): void {
    this.stopping.abort();
  }

  private async loop(): Promise<void> {
    const signal = this.stopping.signal;
    while (!signal.aborted) {
      try {
        await this.options.clock.sleep(this.options.intervalMs, signal);
      } catch {
        return;
      }
      await this.probe();
    }
  }

  private async probe(): Promise<void> {
    const signal = this.stopping.signal;
    let ready = true;
    let error: unknown;
    // A check gets one interval to answer, on the injected clock; one that ignores its
    // signal is raced, so a hung dependency reads as not ready instead of freezing the loop.
    const attempt = new AbortController();
    const timedOut = new Promise<never>((_, reject) => {
      attempt.signal.addEventListener('abort', () => reject(attempt.signal.reason as Error), { once: true });
    });
    timedOut.catch(() => undefined);
    this.options.clock.sleep(this.options.intervalMs, attempt.signal).then(
      () => attempt.abort(new Error(`no answer within ${this.options.intervalMs} ms`)),
      () => undefined,
    );
    try {
      await Promise.race([this.options.check(AbortSignal.any([signal, attempt.signal])), timedOut]);
    } catch (err) {
      ready = false;
      error = err;
    } finally {
      attempt.abort(new Error('check finished'));
    }
    if (signal.aborted || ready === this.ready) return;
    this.ready = ready;
    this.options.onChange(ready, error);
  }
}
