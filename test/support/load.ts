// A paced load generator for resilience tests: calls at a steady rate for a bounded time, counted by gRPC code.
import { status, type ServiceError } from '@grpc/grpc-js';

export interface LoadOptions {
  /** Calls started per second, over 10 ms ticks (a late tick starts the calls it is behind on, as a real client would). */
  ratePerSecond: number;
  durationMs: number;
  /** One call; rejects with a grpc-js ServiceError on failure. */
  call: (seq: number) => Promise<unknown>;
  /** Run at `atMs` after the start (a kill, a deregistration); awaited before the result is returned. */
  events?: ReadonlyArray<{ atMs: number; run: () => unknown }>;
  /** Start every call at once instead of pacing them (a burst). */
  startAll?: boolean;
}

export interface LoadResult {
  sent: number;
  ok: number;
  failed: number;
  /** failed / sent. */
  failureRate: number;
  /** Calls by gRPC code name ("OK", "UNAVAILABLE", …). */
  byCode: Record<string, number>;
  /** Up to 10 failures: code, message and when (ms after the start). */
  failures: Array<{ atMs: number; code: string; message: string }>;
  elapsedMs: number;
}

const TICK_MS = 10;

export function codeName(code: number): string {
  return (status as unknown as Record<number, string>)[code] ?? String(code);
}

/** Starts `ratePerSecond × durationMs` calls, paced, and waits for every one of them to end. */
export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const total = Math.round((o.ratePerSecond * o.durationMs) / 1000);
  const start = performance.now();
  const byCode: Record<string, number> = {};
  const failures: LoadResult['failures'] = [];
  const inFlight: Array<Promise<void>> = [];
  let ok = 0;
  let failed = 0;
  let sent = 0;
  const count = (code: string) => (byCode[code] = (byCode[code] ?? 0) + 1);
  // Settled, not rejected, while the load runs: an event's error is thrown at the end, after the calls are counted.
  const events = (o.events ?? []).map(
    (e) => new Promise<{ error: unknown } | undefined>((resolve) => setTimeout(() => Promise.resolve().then(e.run).then(() => resolve(undefined), (error: unknown) => resolve({ error })), e.atMs)),
  );
  while (sent < total) {
    const due = o.startAll ? total : Math.min(total, Math.floor(((performance.now() - start) * o.ratePerSecond) / 1000) + 1);
    for (; sent < due; sent++) {
      const seq = sent;
      inFlight.push(
        o.call(seq).then(
          () => {
            ok++;
            count('OK');
          },
          (err: ServiceError) => {
            failed++;
            const code = typeof err.code === 'number' ? codeName(err.code) : 'NOT_GRPC';
            count(code);
            if (failures.length < 10) failures.push({ atMs: Math.round(performance.now() - start), code, message: err.details ?? err.message });
          },
        ),
      );
    }
    await new Promise((r) => setTimeout(r, TICK_MS));
  }
  await Promise.all(inFlight);
  for (const event of await Promise.all(events)) if (event !== undefined) throw event.error;
  return { sent, ok, failed, failureRate: sent === 0 ? 0 : failed / sent, byCode, failures, elapsedMs: Math.round(performance.now() - start) };
}

/** Starts `n` calls at once and waits for every one of them to end, counted like runLoad. */
export async function burst(n: number, call: (seq: number) => Promise<unknown>): Promise<LoadResult> {
  return runLoad({ ratePerSecond: 1, durationMs: 1000 * n, call, startAll: true });
}
