// Everything the bench started, stopped newest first and exactly once: after a run, on a failure, on Ctrl-C.

export class Teardown {
  private readonly steps: Array<{ label: string; stop: () => Promise<void> }> = [];
  private running: Promise<void> | undefined;
  /** Aborted when the teardown begins: running loads (h2load) are killed. */
  readonly abort = new AbortController();

  constructor(private readonly say: (line: string) => void) {}

  add(label: string, stop: () => Promise<void>): void {
    this.steps.push({ label, stop });
  }

  /** Stops what is left; a step that fails is reported, the others still run. */
  run(): Promise<void> {
    this.running ??= (async () => {
      this.abort.abort(new Error('stopping'));
      for (let step = this.steps.pop(); step !== undefined; step = this.steps.pop()) {
        await step.stop().catch((err: unknown) => this.say(`  stopping ${step!.label} failed: ${(err as Error).message}`));
      }
    })();
    return this.running;
  }

  /** Ctrl-C or SIGTERM: tear down, then exit 130 (a second signal exits at once; the watchdogs finish the job). */
  onSignals(): void {
    let signals = 0;
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.on(signal, () => {
        if (++signals > 1) process.exit(130);
        this.say(`\n${signal}: stopping everything the bench started`);
        void this.run().finally(() => process.exit(130));
      });
    }
  }
}
