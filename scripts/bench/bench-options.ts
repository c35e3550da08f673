// The bench's command line: defaults for a ~2 minute run, `--quick` for ~30 s, every value checked once.
import { parseArgs } from 'node:util';

/** The echo backend behind every configuration: our own HTTP/2 engine (cheapest), or grpc-js for comparison. */
export type BackendKind = 'h2' | 'grpc-js';

export interface BenchOptions {
  backend: BackendKind;
  /** Rounds of alternating measurements; medians are taken over them. */
  rounds: number;
  /** Length of one measurement (one configuration at one concurrency), in ms. */
  measureMs: number;
  /** Load before the rounds, per configuration and concurrency, not measured. */
  warmupMs: number;
  /** Load on the pair while both sidecars run under --cpu-prof; 0 skips profiling. */
  profileMs: number;
  /** Run the sidecars from this git revision instead of the working tree. */
  sidecarRev: string | undefined;
  /** Run this entry file as the sidecar instead (e.g. a bundled build); excludes sidecarRev. */
  sidecarBin: string | undefined;
  /** Extra node flags for the sidecars (e.g. --max-semi-space-size=2), measured and profiled alike. */
  sidecarNodeArgs: string[];
  /** Streams in flight on h2load's one connection (`-c 1 -m N`), one series per value. */
  concurrency: number[];
}

export const DEFAULT_ROUNDS = 4;
export const DEFAULT_MEASURE_MS = 3_000;
export const DEFAULT_WARMUP_MS = 1_000;
export const DEFAULT_PROFILE_MS = 5_000;
export const QUICK: Pick<BenchOptions, 'rounds' | 'measureMs' | 'warmupMs' | 'profileMs'> = { rounds: 3, measureMs: 1_000, warmupMs: 500, profileMs: 3_000 };
export const CONCURRENCY: readonly number[] = [1, 16];

export const USAGE = `usage: make bench [ARGS="..."]   (node --import tsx scripts/bench/main.ts [options])
  --quick               3 rounds of 1 s (about 30 s in all) instead of ${DEFAULT_ROUNDS} rounds of ${DEFAULT_MEASURE_MS / 1000} s (about 2 min)
  --backend h2|grpc-js  the echo backend: our HTTP/2 engine (default, cheapest) or grpc-js
  --rounds N            rounds of alternating measurements (medians over them)
  --seconds S           length of one measurement
  --profile S           seconds of load on the pair under --cpu-prof (0: no profile)
  --sidecar-rev REV     run the sidecars as of a commit (e.g. HEAD while the working tree is being edited)
  --sidecar-bin FILE    run FILE as the sidecar (node FILE --sidecar-for ...), e.g. an esbuild bundle of mesh-proxy/src/main.ts
  --sidecar-node-arg F  a node flag for both sidecars, e.g. --sidecar-node-arg=--max-semi-space-size=2 (repeatable)`;

export class UsageError extends Error {}

export function parseBenchOptions(argv: string[]): BenchOptions {
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        quick: { type: 'boolean' },
        backend: { type: 'string' },
        rounds: { type: 'string' },
        seconds: { type: 'string' },
        profile: { type: 'string' },
        'sidecar-rev': { type: 'string' },
        'sidecar-bin': { type: 'string' },
        'sidecar-node-arg': { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values['help']) throw new UsageError('');
  const base = values['quick']
    ? QUICK
    : { rounds: DEFAULT_ROUNDS, measureMs: DEFAULT_MEASURE_MS, warmupMs: DEFAULT_WARMUP_MS, profileMs: DEFAULT_PROFILE_MS };
  const backend = (values['backend'] as string | undefined) ?? 'h2';
  if (values['sidecar-rev'] !== undefined && values['sidecar-bin'] !== undefined) throw new UsageError('--sidecar-rev and --sidecar-bin: give one of them');
  if (backend !== 'h2' && backend !== 'grpc-js') throw new UsageError(`--backend: expected h2 or grpc-js, got "${backend}"`);
  return {
    backend,
    rounds: count(values['rounds'], '--rounds', base.rounds, 1, 50),
    measureMs: seconds(values['seconds'], '--seconds', base.measureMs, 0.2),
    warmupMs: base.warmupMs,
    profileMs: seconds(values['profile'], '--profile', base.profileMs, 0),
    sidecarRev: values['sidecar-rev'] as string | undefined,
    sidecarBin: values['sidecar-bin'] as string | undefined,
    sidecarNodeArgs: nodeFlags(values['sidecar-node-arg']),
    concurrency: [...CONCURRENCY],
  };
}

function count(value: unknown, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${name}: expected an integer from ${min} to ${max}, got "${String(value)}"`);
  return n;
}

function seconds(value: unknown, name: string, fallbackMs: number, min: number): number {
  if (value === undefined) return fallbackMs;
  const s = Number(value);
  if (!Number.isFinite(s) || s < min || s > 600) throw new UsageError(`${name}: expected seconds from ${min} to 600, got "${String(value)}"`);
  return Math.round(s * 1000);
}

function nodeFlags(value: unknown): string[] {
  const flags = (value as string[] | undefined) ?? [];
  for (const f of flags) if (!f.startsWith('--')) throw new UsageError(`--sidecar-node-arg: expected a node flag starting with --, got "${f}"`);
  return flags;
}
