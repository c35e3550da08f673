// The bench's table (medians over rounds) and its verdicts against issue 3's speed targets.
import { availableParallelism } from 'node:os';
import { median } from './percentiles.js';
import type { PathName, Sample } from './rounds.js';

/** Issue 3, "Speed": the pair at c=16 vs direct, its added p50 at c=1, per-sidecar CPU and memory. */
export const TARGETS = { pairThroughputShare: 0.5, pairAddedP50Us: 300, cpuUsPerRequest: 60, rssBytes: 60 * 1024 * 1024 } as const;

export interface Row {
  path: PathName;
  streams: number;
  reqPerSec: number;
  minReqPerSec: number;
  maxReqPerSec: number;
  p50Us: number;
  p99Us: number;
  clientCpuUs: number;
  serverCpuUs: number;
  backendCpuUs: number;
  /** The kernel's part of the CPU above (syscalls, loopback TCP). */
  clientSysUs: number;
  serverSysUs: number;
  backendSysUs: number;
  loadGenUs: number;
  /** read and write system calls per request, by role ('client sidecar', 'server sidecar', 'backend'). */
  io: Record<'client sidecar' | 'server sidecar' | 'backend', { reads: number; writes: number }>;
  /** Median share of the machine's CPUs busy in all, and with other jobs, during the measurements. */
  machineBusy: number;
  otherLoad: number;
  /** Summed over rounds: failed calls by gRPC code (sidecar metrics, see Sample.grpcFailed), and h2load failures + non-2xx. */
  grpcFailed: number | undefined;
  httpFailures: number;
  requests: number;
}

export function summarize(samples: readonly Sample[], paths: readonly PathName[], concurrency: readonly number[]): Row[] {
  const rows: Row[] = [];
  for (const streams of concurrency) {
    for (const path of paths) {
      const ss = samples.filter((s) => s.path === path && s.streams === streams);
      if (ss.length === 0) continue;
      const rates = ss.map((s) => s.load.reqPerSec);
      const cpu = (role: keyof Sample['cpuUsPerRequest']) => median(ss.map((s) => s.cpuUsPerRequest[role] ?? Number.NaN));
      const sys = (role: keyof Sample['sysUsPerRequest']) => median(ss.map((s) => s.sysUsPerRequest[role] ?? Number.NaN));
      rows.push({
        path,
        streams,
        reqPerSec: median(rates),
        minReqPerSec: Math.min(...rates),
        maxReqPerSec: Math.max(...rates),
        p50Us: median(ss.map((s) => s.load.p50Us)),
        p99Us: median(ss.map((s) => s.load.p99Us)),
        clientCpuUs: cpu('client sidecar'),
        serverCpuUs: cpu('server sidecar'),
        backendCpuUs: cpu('backend'),
        clientSysUs: sys('client sidecar'),
        serverSysUs: sys('server sidecar'),
        backendSysUs: sys('backend'),
        loadGenUs: median(ss.map((s) => s.loadGenUsPerRequest)),
        io: {
          'client sidecar': io(ss, 'client sidecar'),
          'server sidecar': io(ss, 'server sidecar'),
          backend: io(ss, 'backend'),
        },
        machineBusy: median(ss.map((s) => s.machineBusy)),
        otherLoad: median(ss.map((s) => s.otherLoad)),
        grpcFailed: ss[0]!.grpcFailed === undefined ? undefined : ss.reduce((n, s) => n + (s.grpcFailed ?? 0), 0),
        httpFailures: ss.reduce((n, s) => n + s.load.failed + s.load.non2xx, 0),
        requests: ss.reduce((n, s) => n + s.load.done, 0),
      });
    }
  }
  return rows;
}

function io(ss: readonly Sample[], role: 'client sidecar' | 'server sidecar' | 'backend'): { reads: number; writes: number } {
  return { reads: median(ss.map((s) => s.readsPerRequest[role] ?? Number.NaN)), writes: median(ss.map((s) => s.writesPerRequest[role] ?? Number.NaN)) };
}

const num = (v: number, digits = 0) => (Number.isNaN(v) ? '-' : v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const withSys = (cpu: number, sys: number) => (Number.isNaN(cpu) ? '-' : `${num(cpu, 1)} (${num(sys, 1)})`);
const verdict = (ok: boolean) => (ok ? 'ok  ' : 'MISS');

function table(header: string[], body: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

export function formatTable(rows: readonly Row[]): string {
  return table(
    ['path', 'c', 'req/s', 'req/s min-max', 'p50 µs', 'p99 µs', 'client sc µs/req (sys)', 'server sc µs/req (sys)', 'backend µs/req (sys)', 'h2load µs/req', 'grpc fail', 'http fail', 'requests', 'CPUs busy (others)'],
    rows.map((r) => [
      r.path,
      String(r.streams),
      num(r.reqPerSec),
      `${num(r.minReqPerSec)}-${num(r.maxReqPerSec)}`,
      num(r.p50Us),
      num(r.p99Us),
      withSys(r.clientCpuUs, r.clientSysUs),
      withSys(r.serverCpuUs, r.serverSysUs),
      withSys(r.backendCpuUs, r.backendSysUs),
      num(r.loadGenUs, 1),
      r.grpcFailed === undefined ? 'n/a' : String(r.grpcFailed),
      String(r.httpFailures),
      num(r.requests),
      `${(r.machineBusy * 100).toFixed(0)} % (${(r.otherLoad * 100).toFixed(0)} %)`,
    ]),
  );
}

/** Socket reads and writes per request of each process: how far a process batches frames of many calls into one system call. */
export function formatIoTable(rows: readonly Row[]): string {
  const cell = (v: { reads: number; writes: number }) => (Number.isNaN(v.reads) ? '-' : `${num(v.reads, 2)} / ${num(v.writes, 2)}`);
  return table(
    ['path', 'c', 'client sc reads/writes per req', 'server sc reads/writes per req', 'backend reads/writes per req'],
    rows.map((r) => [r.path, String(r.streams), cell(r.io['client sidecar']), cell(r.io['server sidecar']), cell(r.io.backend)]),
  );
}

/** The comparisons issue 3 asks for, each next to its target. `peakRss`: VmHWM of each sidecar after the rounds. */
export function formatVerdicts(rows: readonly Row[], peakRss: { client: number; server: number }): string {
  const row = (path: PathName, streams: number) => rows.find((r) => r.path === path && r.streams === streams);
  const out: string[] = [];
  const d16 = row('direct', 16);
  const p16 = row('pair', 16);
  const o16 = row('one-sidecar', 16);
  const d1 = row('direct', 1);
  const o1 = row('one-sidecar', 1);
  const p1 = row('pair', 1);
  if (d16 && p16) {
    const share = p16.reqPerSec / d16.reqPerSec;
    out.push(`${verdict(share >= TARGETS.pairThroughputShare)} pair throughput at c=16: ${(share * 100).toFixed(0)} % of direct (target >= ${TARGETS.pairThroughputShare * 100} %)${o16 ? `; one sidecar: ${((o16.reqPerSec / d16.reqPerSec) * 100).toFixed(0)} %` : ''}`);
  }
  if (d1 && p1) {
    const added = p1.p50Us - d1.p50Us;
    out.push(`${verdict(added <= TARGETS.pairAddedP50Us)} added p50 at c=1: pair +${num(added)} µs (target <= ${TARGETS.pairAddedP50Us} µs)${o1 ? `; one sidecar +${num(o1.p50Us - d1.p50Us)} µs` : ''}; pair throughput at c=1: ${((p1.reqPerSec / d1.reqPerSec) * 100).toFixed(0)} % of direct`);
  }
  if (p16) {
    // As TOOLCHAIN.md measures it: CPU per request with 16 in flight. At c=1 every call costs each process
    // its own wake-ups (epoll, read, write), which the backend's c=1 figure shows is the machine's floor.
    const worst = Math.max(p16.clientCpuUs, p16.serverCpuUs, o16?.serverCpuUs ?? 0);
    const at1 = p1 ? `; at c=1: client ${num(p1.clientCpuUs, 1)}, server ${num(p1.serverCpuUs, 1)} (per-call wake-ups: the backend alone spends ${num(d1?.backendCpuUs ?? Number.NaN, 1)} µs per call at c=1)` : '';
    out.push(`${verdict(worst <= TARGETS.cpuUsPerRequest)} CPU per request per sidecar at c=16: pair client ${num(p16.clientCpuUs, 1)}, server ${num(p16.serverCpuUs, 1)}${o16 ? `, one sidecar ${num(o16.serverCpuUs, 1)}` : ''} µs (target <= ${TARGETS.cpuUsPerRequest} µs)${at1}`);
    const along = p16.loadGenUs + p16.backendCpuUs + p16.clientCpuUs + p16.serverCpuUs;
    const cpus = (along * p16.reqPerSec) / 1e6;
    out.push(
      `     pair at c=16 costs ${num(along, 1)} µs of CPU per call along the path (h2load ${num(p16.loadGenUs, 1)}, backend ${num(p16.backendCpuUs, 1)}, sidecars ${num(p16.clientCpuUs + p16.serverCpuUs, 1)}):` +
        ` ${num(p16.reqPerSec)} req/s keep ${cpus.toFixed(2)} of ${availableParallelism()} CPUs busy` +
        (p16.machineBusy < 0.85
          ? ` and the machine was ${(p16.machineBusy * 100).toFixed(0)} % busy: the hops take turns (one connection, calls move through in batches), so every µs a sidecar saves is throughput`
          : ` and the machine was ${(p16.machineBusy * 100).toFixed(0)} % busy (${(p16.otherLoad * 100).toFixed(0)} % other jobs): CPU-bound here`),
    );
  }
  const rss = Math.max(peakRss.client, peakRss.server);
  out.push(`${verdict(rss <= TARGETS.rssBytes)} peak RSS (VmHWM): client sidecar ${mb(peakRss.client)}, server sidecar ${mb(peakRss.server)} (target <= ${mb(TARGETS.rssBytes)})`);
  const failures = rows.reduce((n, r) => n + r.httpFailures + (r.grpcFailed ?? 0), 0);
  out.push(`${verdict(failures === 0)} failures: ${failures} (h2load failed/non-2xx + calls the sidecars counted with a code other than OK)`);
  return out.join('\n');
}
