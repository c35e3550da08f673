// One h2load run of gRPC unary calls against one URL: throughput from its summary, latency percentiles from its log file.
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { percentile } from './percentiles.js';

/** The gRPC method the load calls: the echo backends answer any path; grpc-js's serves this one. */
export const ECHO_PATH = '/shopmesh.test.Echo/Unary';
export const PAYLOAD_BYTES = 100;

export interface LoadSpec {
  /** http://host:port (h2c with prior knowledge). */
  origin: string;
  /** Streams in flight on the one connection (`-c 1 -m N`). */
  streams: number;
  durationMs: number;
  /** The request body: written once by writeGrpcBody. */
  bodyFile: string;
  /** h2load appends to it: removed before the run, read and removed after. */
  logFile: string;
  /** Aborting kills h2load (Ctrl-C, a failed teardown). */
  signal: AbortSignal;
}

export interface LoadResult {
  /** Requests completed in the measured time. */
  done: number;
  succeeded: number;
  /** h2load's failed + errored + timeout. */
  failed: number;
  /** Responses with a status other than 2xx. */
  non2xx: number;
  reqPerSec: number;
  p50Us: number;
  p99Us: number;
}

/** The body of one unary call: the 5-byte gRPC message header (not compressed, length) + the payload. */
export function writeGrpcBody(file: string): void {
  const body = Buffer.alloc(5 + PAYLOAD_BYTES, 0x61);
  body[0] = 0;
  body.writeUInt32BE(PAYLOAD_BYTES, 1);
  writeFileSync(file, body);
}

export async function runH2load(spec: LoadSpec): Promise<LoadResult> {
  rmSync(spec.logFile, { force: true });
  const args = [
    '-c', '1',
    '-m', String(spec.streams),
    '-D', `${spec.durationMs}ms`,
    '-d', spec.bodyFile,
    '-H', 'content-type: application/grpc',
    '-H', 'te: trailers',
    '--log-file', spec.logFile,
    `${spec.origin}${ECHO_PATH}`,
  ];
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn('h2load', args, { stdio: ['ignore', 'pipe', 'pipe'], signal: spec.signal });
    let text = '';
    child.stdout.on('data', (b: Buffer) => (text += b.toString()));
    child.stderr.on('data', (b: Buffer) => (text += b.toString()));
    child.once('error', reject);
    child.once('close', (code, sig) => (code === 0 ? resolve(text) : reject(new Error(`h2load ${sig ?? `exit ${String(code)}`}:\n${text}`))));
  });
  try {
    return { ...parseSummary(out), ...latencies(spec.logFile) };
  } finally {
    rmSync(spec.logFile, { force: true });
  }
}

function parseSummary(out: string): Omit<LoadResult, 'p50Us' | 'p99Us' | 'non2xx'> {
  const rate = /finished in [\d.]+m?s, ([\d.]+) req\/s/.exec(out);
  const req = /requests: \d+ total, \d+ started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout/.exec(out);
  if (rate === null || req === null) throw new Error(`cannot read h2load's summary:\n${out}`);
  return { reqPerSec: Number(rate[1]), done: Number(req[1]), succeeded: Number(req[2]), failed: Number(req[3]) + Number(req[4]) + Number(req[5]) };
}

/** Log rows: start (µs since epoch) TAB HTTP status TAB µs until the end of the response. */
function latencies(logFile: string): Pick<LoadResult, 'p50Us' | 'p99Us' | 'non2xx'> {
  const lines = readFileSync(logFile, 'utf8').split('\n');
  const times = new Float64Array(lines.length);
  let n = 0;
  let non2xx = 0;
  for (const line of lines) {
    const tab1 = line.indexOf('\t');
    if (tab1 < 0) continue;
    const tab2 = line.indexOf('\t', tab1 + 1);
    const status = Number(line.slice(tab1 + 1, tab2));
    if (status < 200 || status > 299) non2xx++;
    times[n++] = Number(line.slice(tab2 + 1));
  }
  const sorted = times.subarray(0, n).sort();
  return { p50Us: percentile(sorted, 50), p99Us: percentile(sorted, 99), non2xx };
}
