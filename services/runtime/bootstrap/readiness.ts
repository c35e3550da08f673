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
    try {
      await this.options.check(AbortSignal.any([signal, AbortSignal.timeout(this.options.intervalMs)]));
    } catch (err) {
      ready = false;
      error = err;
    }
    if (signal.aborted || ready === this.ready) return;
    this.ready = ready;
    this.options.onChange(ready, error);
  }
}
