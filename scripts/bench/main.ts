// `make bench`: the sidecar's speed (issue 3) — direct vs one sidecar vs the pair, alternated in rounds, then a CPU profile of the pair.
//
//  1. h2load present (else installed), the echo backend as a process, Consul, both sidecars as processes
//  2. one grpc-js call through each configuration must echo its bytes with grpc-status 0
//  3. warm-up, then rounds: every configuration at c=1 and c=16 (h2load -c 1 -m N), CPU from /proc
//  4. the table of medians and the verdicts against the issue's targets (also in .data/bench/<time>/report.txt)
//  5. both sidecars restarted under --cpu-prof, the pair loaded, self time summarised by area and function
// Everything started is stopped at the end, on a failure and on Ctrl-C.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../servers/index.js';
import { startBackend } from './backend-process.js';
import { startBenchMesh } from './bench-mesh.js';
import { parseBenchOptions, UsageError, USAGE, type BenchOptions } from './bench-options.js';
import { ensureH2load } from './ensure-h2load.js';
import { sidecarEntry, sidecarSource } from './sidecar-source.js';
import { writeGrpcBody } from './h2load-run.js';
import { statusBytes } from './proc-stats.js';
import { profilePair } from './profile-run.js';
import { formatIoTable, formatTable, formatVerdicts, summarize } from './report.js';
import { PATHS, runRounds, type Target } from './rounds.js';
import { Teardown } from './teardown.js';
import { verifyEcho } from './verify-echo.js';

const PROFILE_STREAMS = 16;
/** Unmeasured load on the freshly started, profiled sidecars before the profiled window. */
const PROFILE_WARMUP_MS = 1_000;

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function bench(o: BenchOptions, teardown: Teardown): Promise<void> {
  const h2load = ensureH2load(say);
  const source = o.sidecarBin !== undefined ? sidecarEntry(o.sidecarBin) : sidecarSource(o.sidecarRev);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const outDir = join(REPO_ROOT, '.data', 'bench', stamp);
  const logDir = join(outDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const scratch = mkdtempSync(join(tmpdir(), 'shopmesh-bench-'));
  teardown.add('scratch folder', async () => rmSync(scratch, { recursive: true, force: true }));
  const bodyFile = join(scratch, 'unary-100b.grpc');
  const logFile = join(scratch, 'h2load.log');
  writeGrpcBody(bodyFile);
  const signal = teardown.abort.signal;

  const header = [
    `mesh-proxy bench: ${o.backend} echo backend, 100-byte unary calls, ${o.rounds} rounds x ${o.measureMs / 1000} s per configuration and concurrency`,
    `  ${h2load}, node ${process.version}, ${availableParallelism()} CPUs shared by h2load, the backend and both sidecars` +
      (o.sidecarNodeArgs.length > 0 ? `, sidecar node flags: ${o.sidecarNodeArgs.join(' ')}` : ''),
    `  sidecar code: ${source.description}`,
    `  load average before the start: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`,
  ].join('\n');
  say(header);

  say('- starting the backend, Consul and both sidecars');
  const backend = await startBackend(o.backend, join(logDir, `backend-${o.backend}.log`));
  teardown.add('backend', () => backend.stop());
  const mesh = await startBenchMesh({ sidecarBin: source.bin, backendPort: backend.port, logDir, nodeArgs: o.sidecarNodeArgs, onStarted: (label, stop) => teardown.add(label, stop) });

  const origin = (port: number) => `http://127.0.0.1:${port}`;
  const backendProc = { role: 'backend' as const, pid: backend.pid };
  const server = { role: 'server sidecar' as const, pid: mesh.serverSidecar.process.pid, codes: { adminPort: mesh.serverSidecar.adminPort, direction: 'inbound' as const } };
  const client = { role: 'client sidecar' as const, pid: mesh.clientSidecar.process.pid, codes: { adminPort: mesh.clientSidecar.adminPort, direction: 'outbound' as const } };
  const targets: Target[] = [
    { path: 'direct', origin: origin(backend.port), processes: [backendProc] },
    { path: 'one-sidecar', origin: origin(mesh.inboundPort), processes: [backendProc, server] },
    // The client sidecar counts the codes its caller gets: listed first among the sidecars.
    { path: 'pair', origin: origin(mesh.upstreamPort), processes: [backendProc, client, server] },
  ];
  for (const t of targets) await verifyEcho(t.origin.slice('http://'.length), t.path);
  say('- a grpc-js call through each configuration echoed its 100 bytes with status OK');

  say(`- warm-up, then ${o.rounds} rounds (${PATHS.join(', ')} at c=${o.concurrency.join(' and c=')}, alternated)`);
  const samples = await runRounds({
    targets,
    concurrency: o.concurrency,
    rounds: o.rounds,
    measureMs: o.measureMs,
    warmupMs: o.warmupMs,
    bodyFile,
    logFile,
    signal,
    onSample: (s) =>
      say(`  round ${s.round}  ${s.path.padEnd(11)} c=${String(s.streams).padEnd(2)}  ${Math.round(s.load.reqPerSec).toString().padStart(6)} req/s  p50 ${Math.round(s.load.p50Us).toString().padStart(5)} µs  p99 ${Math.round(s.load.p99Us).toString().padStart(6)} µs${s.grpcNotOkCodes ? `  (${s.grpcNotOkCodes})` : ''}`),
  });
  const peakRss = { client: statusBytes(client.pid, 'VmHWM'), server: statusBytes(server.pid, 'VmHWM') };
  const rows = summarize(samples, PATHS, o.concurrency);
  const report = [
    header,
    '',
    `medians over ${o.rounds} rounds. CPU: utime+stime per request of each process (sc = sidecar), its kernel part in ()`,
    `grpc fail: calls ending with a code other than OK, counted by the first sidecar on the path (direct: the backend only answers 0);`,
    `  the calls h2load leaves in flight when its time is up (CANCELLED, at most c per run) are not failures.`,
    `CPUs busy: share of all CPUs busy during the measurement; (others): busy with processes that are not the bench's, above ~10 % the figures are disturbed.`,
    formatTable(rows),
    '',
    'socket system calls per request (read()/write() of each process, /proc/<pid>/io):',
    formatIoTable(rows),
    '',
    formatVerdicts(rows, peakRss),
  ].join('\n');
  say(`\n${report}\n`);
  writeFileSync(join(outDir, 'report.txt'), `${report}\n`);

  if (o.profileMs > 0) {
    say(`- profiling: both sidecars restarted under --cpu-prof, the pair at c=${PROFILE_STREAMS} for ${o.profileMs / 1000} s`);
    const p = await profilePair({ mesh, nodeArgs: o.sidecarNodeArgs, dir: join(outDir, 'profiles'), durationMs: o.profileMs, warmupMs: PROFILE_WARMUP_MS, streams: PROFILE_STREAMS, bodyFile, logFile, signal });
    const text = [
      `pair under --cpu-prof at c=${PROFILE_STREAMS}: ${Math.round(p.load.reqPerSec)} req/s (profiling slows it)`,
      'V8 samples wall time on the main thread: "socket writes" (writeBuffer, the send syscall) also holds the time the',
      'sidecar waits for a CPU after its loopback write woke the receiver; the kernel CPU per request is in the table above.',
      '',
      p.client,
      '',
      p.server,
    ].join('\n');
    say(`\n${text}\n`);
    writeFileSync(join(outDir, 'report.txt'), `${report}\n\n${text}\n`);
  }
  say(`- report, sidecar logs and profiles in ${outDir}`);
}

let options: BenchOptions;
try {
  options = parseBenchOptions(process.argv.slice(2));
} catch (err) {
  if (!(err instanceof UsageError)) throw err;
  process.stderr.write(`${err.message ? `bench: ${err.message}\n` : ''}${USAGE}\n`);
  process.exit(err.message ? 2 : 0);
}

const teardown = new Teardown(say);
teardown.onSignals();
let failed = false;
try {
  await bench(options, teardown);
} catch (err) {
  failed = true;
  if (!teardown.abort.signal.aborted) process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
} finally {
  say('- stopping the sidecars, Consul and the backend');
  await teardown.run();
}
process.exit(failed ? 1 : 0);
