// Every server started by this process, for stopAll() and for the last-chance 'exit' handler.

export interface Tracked {
  /** The server's own, waiting stop. */
  stop(): Promise<void>;
  /** Signals the server synchronously; used from process.on('exit'), where nothing can be awaited. */
  killNow(): void;
}

const live = new Set<Tracked>();
let exitHookInstalled = false;

/** Registers a running server; call the returned function once it has stopped. */
export function track(entry: Tracked): () => void {
  installExitHook();
  live.add(entry);
  return () => {
    live.delete(entry);
  };
}

/** Stops every server started by this process (the caller decides when: signal handlers, test teardown). */
export async function stopAll(): Promise<void> {
  const results = await Promise.allSettled([...live].map((entry) => entry.stop()));
  const errors = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  if (errors.length > 0) throw new AggregateError(errors, `${errors.length} server(s) failed to stop`);
}

// No SIGINT/SIGTERM handlers here: the caller owns those. On 'exit' we can only signal; each server's
// watchdog notices our exit and finishes the job (waits, SIGKILLs, removes the temp folder).
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const entry of live) {
      try {
        entry.killNow();
      } catch {
        // already gone
      }
    }
  });
}
