// Polls a readiness probe until it passes, the server dies, or time runs out.
import { setTimeout as sleep } from 'node:timers/promises';
import { READY_POLL_INTERVAL_MS } from './defaults.js';

export interface WaitOptions {
  readonly timeoutMs: number;
  readonly intervalMs?: number;
  /** Returns a reason when waiting is pointless (the process exited), else undefined. */
  readonly gaveUp?: () => string | undefined;
}

/** Resolves once `probe` returns true; a probe that throws counts as "not yet". */
export async function waitUntil(what: string, probe: () => Promise<boolean>, opts: WaitOptions): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  let lastError: unknown;
  for (;;) {
    const reason = opts.gaveUp?.();
    if (reason !== undefined) throw new Error(`${reason} while waiting for ${what}`);
    try {
      if (await probe()) return;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const last = lastError instanceof Error ? ` (last probe: ${lastError.message})` : '';
      throw new Error(`timed out after ${opts.timeoutMs} ms waiting for ${what}${last}`);
    }
    await sleep(opts.intervalMs ?? READY_POLL_INTERVAL_MS);
  }
}

/** GET a URL with a short time-out; the body parsed as JSON (undefined unless 2xx). */
export async function getJson(url: string, timeoutMs = 2_000): Promise<unknown> {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) {
    await response.body?.cancel();
    return undefined;
  }
  return response.json();
}
