// Runs the measurements: each configuration at each concurrency, alternated in rounds so drift and noise hit all alike.
import { callsByCode, codesBetween, type CodeCounts } from './grpc-codes.js';
import { runH2load, type LoadResult } from './h2load-run.js';
import { cpuTimes, ioCalls, machineCpu, waitedChildrenMicros, type CpuTimes } from './proc-stats.js';

/** direct: h2load → backend; one-sidecar: → the server's inbound sidecar; pair: → client sidecar → server sidecar → backend. */
export type PathName = 'direct' | 'one-sidecar' | 'pair';
export const PATHS: readonly PathName[] = ['direct', 'one-sidecar', 'pair'];

/** A process whose CPU is charged per request, and, for a sidecar, where its calls are counted by gRPC code. */
export interface Measured {
  role: 'backend' | 'server sidecar' | 'client sidecar';
  pid: number;
  /** Sidecars: admin port and the direction whose calls this path goes through. */
  codes?: { adminPort: number; direction: 'inbound' | 'outbound' };
}

export interface Target {
  path: PathName;
  origin: string;
  /** The processes on this path (the backend, then its sidecars). */
  processes: Measured[];
}

export interface Sample {
  path: PathName;
  streams: number;
  round: number;
  load: LoadResult;
  /** CPU µs per completed request (user + system, and system alone), by role. */
  cpuUsPerRequest: Partial<Record<Measured['role'], number>>;
  sysUsPerRequest: Partial<Record<Measured['role'], number>>;
  /** read and write system calls per completed request, by role: how well a process batches its socket I/O. */
  readsPerRequest: Partial<Record<Measured['role'], number>>;
  writesPerRequest: Partial<Record<Measured['role'], number>>;
  /** CPU µs of h2load per completed request. */
  loadGenUsPerRequest: number;
  /** Share of the machine's CPU (all CPUs) busy: in all, and with processes that are not the bench's (other jobs). */
  machineBusy: number;
  otherLoad: number;
  /**
   * Calls that failed, by the first sidecar on the path (undefined: direct): every code but OK, less the
   * CANCELLED calls h2load leaves in flight when its time is up (at most one per stream in flight).
   */
  grpcFailed: number | undefined;
  grpcOk: number | undefined;
  /** Codes other than OK, as counted (CANCELLED included). */
  grpcNotOkCodes: string;
}

export interface RunSpec {
  targets: Target[];
  concurrency: number[];
  rounds: number;
  measureMs: number;
  warmupMs: number;
  bodyFile: string;
  logFile: string;
  signal: AbortSignal;
  /** After each measurement (progress lines). */
  onSample: (s: Sample) => void;
}

/** One measurement: CPU and gRPC codes read around one h2load run. */
export async function measure(t: Target, streams: number, round: number, spec: Omit<RunSpec, 'targets' | 'rounds' | 'concurrency' | 'onSample'>, durationMs: number): Promise<Sample> {
  const counted = t.processes.find((p) => p.codes !== undefined)?.codes;
  const codesBefore: CodeCounts | undefined = counted && (await callsByCode(counted.adminPort, counted.direction));
  const machineBefore = machineCpu();
  const ownBefore = ownCpu();
  const loadGenBefore = waitedChildrenMicros();
  const cpuBefore = t.processes.map((p) => cpuTimes(p.pid));
  const ioBefore = t.processes.map((p) => ioCalls(p.pid));
  const load = await runH2load({ origin: t.origin, streams, durationMs, bodyFile: spec.bodyFile, logFile: spec.logFile, signal: spec.signal });
  const cpuAfter = t.processes.map((p) => cpuTimes(p.pid));
  const ioAfter = t.processes.map((p) => ioCalls(p.pid));
  const ownAfter = ownCpu();
  const loadGenAfter = waitedChildrenMicros();
  const machineAfter = machineCpu();
  const codes = counted && codesBefore && codesBetween(codesBefore, await callsByCode(counted.adminPort, counted.direction));
  const per = (n: number) => (load.done > 0 ? n / load.done : Number.NaN);
  const cpuUsPerRequest: Sample['cpuUsPerRequest'] = {};
  const sysUsPerRequest: Sample['sysUsPerRequest'] = {};
  const readsPerRequest: Sample['readsPerRequest'] = {};
  const writesPerRequest: Sample['writesPerRequest'] = {};
  let pathCpu = 0;
  t.processes.forEach((p, i) => {
    const d = delta(cpuBefore[i]!, cpuAfter[i]!);
    pathCpu += d.user + d.system;
    cpuUsPerRequest[p.role] = per(d.user + d.system);
    sysUsPerRequest[p.role] = per(d.system);
    readsPerRequest[p.role] = per(ioAfter[i]!.reads - ioBefore[i]!.reads);
    writesPerRequest[p.role] = per(ioAfter[i]!.writes - ioBefore[i]!.writes);
  });
  // Everything busy but the path's processes, h2load and the bench itself: other jobs on the machine.
  const others = machineAfter.busy - machineBefore.busy - pathCpu - (ownAfter - ownBefore);
  const machineTotal = machineAfter.total - machineBefore.total;
  const otherLoad = Math.max(0, others) / machineTotal;
  const machineBusy = (machineAfter.busy - machineBefore.busy) / machineTotal;
  return {
    path: t.path,
    streams,
    round,
    load,
    cpuUsPerRequest,
    sysUsPerRequest,
    readsPerRequest,
    writesPerRequest,
    loadGenUsPerRequest: per(loadGenAfter - loadGenBefore),
    machineBusy,
    otherLoad,
    grpcOk: codes?.ok,
    grpcFailed: codes && failedCalls(codes.byCode, streams),
    grpcNotOkCodes: codes ? notOkCodes(codes.byCode) : '',
  };
}

/** h2load stops at its deadline with up to `streams` calls in flight: the sidecar sees them cancelled, which is no failure. */
function failedCalls(byCode: CodeCounts, streams: number): number {
  let n = 0;
  for (const [code, count] of byCode) if (code !== 'OK') n += code === 'CANCELLED' ? Math.max(0, count - streams) : count;
  return n;
}

function notOkCodes(byCode: CodeCounts): string {
  return [...byCode].filter(([code]) => code !== 'OK').map(([code, n]) => `${code} ${n}`).join(', ');
}

/** CPU of the bench itself and of the h2load runs it waited for. */
function ownCpu(): number {
  const self = process.cpuUsage();
  return self.user + self.system + waitedChildrenMicros();
}

function delta(before: CpuTimes, after: CpuTimes): CpuTimes {
  return { user: after.user - before.user, system: after.system - before.system };
}

/** Warm-up (unrecorded), then `rounds` rounds; each round rotates which configuration goes first. */
export async function runRounds(spec: RunSpec): Promise<Sample[]> {
  for (const streams of spec.concurrency) {
    for (const t of spec.targets) await measure(t, streams, 0, spec, spec.warmupMs);
  }
  const samples: Sample[] = [];
  for (let round = 1; round <= spec.rounds; round++) {
    const order = spec.targets.map((_, i) => spec.targets[(i + round - 1) % spec.targets.length]!);
    for (const streams of spec.concurrency) {
      for (const t of order) {
        const s = await measure(t, streams, round, spec, spec.measureMs);
        samples.push(s);
        spec.onSample(s);
      }
    }
  }
  return samples;
}
