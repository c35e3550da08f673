// Reads a V8 .cpuprofile and totals self time by function and by area (GC, socket writes, HPACK, relay…): what bounds a process.
//
//   node --import tsx scripts/bench/cpuprofile-summary.ts FILE.cpuprofile [top]
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
export interface CpuProfile {
  nodes: ProfileNode[];
  /** µs on the monotonic clock (the one process.hrtime reads, in every process). */
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface FunctionTime {
  name: string;
  /** Repo-relative path, or node:…, or '' for native code. */
  where: string;
  area: string;
  selfMs: number;
  totalMs: number;
}

export interface ProfileSummary {
  /** Sampled time in the window, idle included. */
  windowMs: number;
  busyMs: number;
  samples: number;
  byArea: Array<{ area: string; selfMs: number }>;
  byFunction: FunctionTime[];
}

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const IDLE = 'idle';

/** What part of the process a frame belongs to, by its function name and script URL. */
export function areaOf(name: string, url: string): string {
  if (name === '(garbage collector)') return 'GC';
  if (name === '(idle)') return IDLE;
  if (name === '(program)') return 'V8/native outside JS ((program): I/O callbacks, syscalls from libuv)';
  if (name === '(root)') return 'root';
  if (url.includes('/mesh-proxy/src/h2/hpack/')) return 'HPACK';
  if (url.includes('/mesh-proxy/src/h2/')) return 'h2 engine (frames, flow control, writer)';
  if (url.includes('/mesh-proxy/src/relay/')) return 'relay (Call, links, headers)';
  if (/\/mesh-proxy\/src\/(outbound|inbound|balance|breaker|retry|pool|discovery)\//.test(url)) return 'routing, pools, discovery';
  if (/\/mesh-proxy\/src\/(telemetry|sidecar|admin)\/|@opentelemetry|prom-client|\/pino/.test(url)) return 'telemetry (metrics, spans, logs)';
  if (url === '' && /^(writev|writeBuffer|writeUtf8String|writeLatin1String|writeAsciiString|writeUcs2String)$/.test(name)) return 'socket writes (native, syscall)';
  if (/^node:(net|stream|internal\/stream_base_commons|internal\/streams\/)/.test(url)) return 'node net/streams (JS)';
  if (/^node:internal\/(process\/task_queues|timers|async_hooks|process\/promises)/.test(url)) return 'event loop (ticks, timers, promises)';
  if (url.startsWith('node:')) return 'node internals (other)';
  if (url === '') return 'native (other)';
  if (url.includes('/node_modules/')) return 'dependencies (other)';
  return 'other';
}

function where(url: string, line: number): string {
  if (url === '') return '';
  // tsx hands V8 its output on one line: a line number there says nothing.
  if (url.startsWith('file://')) {
    // A revision exported under .data/bench/ reads as the same source path.
    const path = relative(REPO, fileURLToPath(url)).replace(/^\.data\/bench\/sidecar-[^/]+\//, '');
    return `${path}${line > 0 ? `:${line + 1}` : ''}`;
  }
  return `${url}:${line + 1}`;
}

/** Self and total time per function (and self per area) of the samples taken within `window` (µs, monotonic), or all. */
export function summarizeProfile(p: CpuProfile, window?: { startUs: number; endUs: number }): ProfileSummary {
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of p.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const keyOf = (n: ProfileNode) => `${n.callFrame.functionName || '(anonymous)'}\u0000${n.callFrame.url}\u0000${n.callFrame.lineNumber}`;
  const fns = new Map<string, FunctionTime>();
  const fnOf = (n: ProfileNode): FunctionTime => {
    const key = keyOf(n);
    let f = fns.get(key);
    if (f === undefined) {
      const name = n.callFrame.functionName || '(anonymous)';
      f = { name, where: where(n.callFrame.url, n.callFrame.lineNumber), area: areaOf(n.callFrame.functionName, n.callFrame.url), selfMs: 0, totalMs: 0 };
      fns.set(key, f);
    }
    return f;
  };
  const areas = new Map<string, number>();
  let t = p.startTime;
  let windowMs = 0;
  let busyMs = 0;
  let samples = 0;
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i] ?? 0;
    const next = i + 1 < p.samples.length ? t + (p.timeDeltas[i + 1] ?? 0) : p.endTime;
    if (window !== undefined && (t < window.startUs || t > window.endUs)) continue;
    const ms = Math.max(0, next - t) / 1000;
    const leaf = byId.get(p.samples[i]!);
    if (leaf === undefined) continue;
    samples++;
    windowMs += ms;
    const self = fnOf(leaf);
    self.selfMs += ms;
    areas.set(self.area, (areas.get(self.area) ?? 0) + ms);
    if (self.area !== IDLE) busyMs += ms;
    // Total: each function once per sample, however deep it recurses.
    const seen = new Set<FunctionTime>();
    for (let id: number | undefined = leaf.id; id !== undefined; id = parent.get(id)) {
      const f = fnOf(byId.get(id)!);
      if (!seen.has(f)) {
        seen.add(f);
        f.totalMs += ms;
      }
    }
  }
  return {
    windowMs,
    busyMs,
    samples,
    byArea: [...areas].map(([area, selfMs]) => ({ area, selfMs })).sort((a, b) => b.selfMs - a.selfMs),
    byFunction: [...fns.values()].sort((a, b) => b.selfMs - a.selfMs),
  };
}

const pct = (part: number, whole: number) => `${((part / whole) * 100).toFixed(1).padStart(5)} %`;

/** Areas, the top functions by self time, and our own code's top functions by total time; shares of busy (non-idle) time. */
export function formatSummary(s: ProfileSummary, top = 20): string {
  const out = [`${s.samples} samples, ${s.windowMs.toFixed(0)} ms sampled, ${s.busyMs.toFixed(0)} ms busy (${pct(s.busyMs, s.windowMs).trim()} of the window)`, '', 'self time by area (share of busy time):'];
  for (const a of s.byArea) if (a.area !== IDLE) out.push(`  ${pct(a.selfMs, s.busyMs)}  ${a.selfMs.toFixed(0).padStart(6)} ms  ${a.area}`);
  out.push('', `top ${top} functions by self time:`);
  for (const f of s.byFunction.filter((f) => f.area !== IDLE).slice(0, top)) {
    out.push(`  ${pct(f.selfMs, s.busyMs)}  ${f.selfMs.toFixed(0).padStart(6)} ms  ${f.name}  ${f.where}`);
  }
  out.push('', 'mesh-proxy functions by total (inclusive) time:');
  const ours = s.byFunction.filter((f) => f.where.includes('mesh-proxy/src/')).sort((a, b) => b.totalMs - a.totalMs);
  for (const f of ours.slice(0, 12)) out.push(`  ${pct(f.totalMs, s.busyMs)}  ${f.totalMs.toFixed(0).padStart(6)} ms  ${f.name}  ${f.where}`);
  return out.join('\n');
}

export function readProfile(file: string): CpuProfile {
  return JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [file, top] = process.argv.slice(2);
  if (file === undefined) {
    process.stderr.write('usage: node --import tsx scripts/bench/cpuprofile-summary.ts FILE.cpuprofile [top]\n');
    process.exit(2);
  }
  process.stdout.write(`${formatSummary(summarizeProfile(readProfile(file)), top === undefined ? 20 : Number(top))}\n`);
}
