// Profiles both sidecars of the pair under load (node --cpu-prof) and summarises where their CPU goes.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchMesh } from './bench-mesh.js';
import { formatSummary, readProfile, summarizeProfile } from './cpuprofile-summary.js';
import { runH2load, type LoadResult } from './h2load-run.js';

/** Sampling interval: finer than V8's 1 ms default, so a few seconds give thousands of samples per sidecar. */
const SAMPLE_INTERVAL_US = 500;

export interface ProfileSpec {
  mesh: BenchMesh;
  /** The sidecars' other node flags (as measured). */
  nodeArgs: readonly string[];
  dir: string;
  durationMs: number;
  warmupMs: number;
  streams: number;
  bodyFile: string;
  logFile: string;
  signal: AbortSignal;
}

export interface ProfileResult {
  load: LoadResult;
  /** Text summaries, also written next to the .cpuprofile files. */
  client: string;
  server: string;
}

const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

/**
 * Restarts both sidecars under --cpu-prof, loads the pair, stops them (the profiles are written on
 * exit) and summarises only the samples taken while the load ran: start-up (tsx compiling the
 * sources) and shutdown would otherwise crowd the profile.
 */
export async function profilePair(o: ProfileSpec): Promise<ProfileResult> {
  mkdirSync(o.dir, { recursive: true });
  await o.mesh.restartSidecars([...o.nodeArgs, '--cpu-prof', `--cpu-prof-dir=${o.dir}`, `--cpu-prof-interval=${SAMPLE_INTERVAL_US}`], '-profiled');
  const pids = { client: o.mesh.clientSidecar.process.pid, server: o.mesh.serverSidecar.process.pid };
  const origin = `http://127.0.0.1:${o.mesh.upstreamPort}`;
  // A short unmeasured run first: the new processes' code is not optimised yet.
  await runH2load({ origin, streams: o.streams, durationMs: o.warmupMs, bodyFile: o.bodyFile, logFile: o.logFile, signal: o.signal });
  const startUs = monotonicUs();
  const load = await runH2load({ origin, streams: o.streams, durationMs: o.durationMs, bodyFile: o.bodyFile, logFile: o.logFile, signal: o.signal });
  const endUs = monotonicUs();
  await o.mesh.stopSidecars();
  const files = readdirSync(o.dir).filter((f) => f.endsWith('.cpuprofile'));
  const summaryOf = (role: 'client' | 'server') => {
    // CPU.<date>.<time>.<pid>.<thread id>.<seq>: thread 0 is the main thread (1 is tsx's module-loader thread).
    const file = files.find((f) => f.includes(`.${pids[role]}.0.`));
    if (file === undefined) throw new Error(`no .cpuprofile of the ${role} sidecar (pid ${pids[role]}) in ${o.dir}`);
    const profile = readProfile(join(o.dir, file));
    let summary = summarizeProfile(profile, { startUs, endUs });
    let note = '';
    if (summary.samples === 0) {
      // Not the clock we expected: better the whole profile than nothing.
      summary = summarizeProfile(profile);
      note = ' (whole profile: no sample fell in the load window)';
    }
    const text = `${role} sidecar, pid ${pids[role]}, ${file}${note}\n${formatSummary(summary)}`;
    writeFileSync(join(o.dir, `${role}-sidecar-summary.txt`), `${text}\n`);
    return text;
  };
  return { load, client: summaryOf('client'), server: summaryOf('server') };
}
