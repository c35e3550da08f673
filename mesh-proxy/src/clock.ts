// Time and chance as injectable dependencies, so breakers, budgets and backoff run on fake time in tests.
// (The sidecar is its own package and shares no code with the services.)

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** A source of uniform numbers in [0, 1), like Math.random. */
export type Random = () => number;

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal!.reason);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

export const systemRandom: Random = Math.random;

/** Capped exponential backoff with full jitter: attempt 1 waits up to baseMs, then 2x, 4x..., never above capMs. */
export function backoffMs(attempt: number, baseMs: number, capMs: number, random: Random): number {
  return Math.floor(random() * Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1)));
}
