// HTTP/2 flow control end to end through a real sidecar pair: a slow reader slows the writer, and neither
// sidecar's memory grows with what the writer would like to send (issue 3, "Transparent to gRPC").
//
// A caller on our own engine reads a ServerStream of 1 MiB messages at a paced rate, giving receive window
// back only as it "reads". Each hop grants 1 MiB per stream and 16 MiB per connection
// (mesh-proxy/src/h2/settings.ts), and the relay credits its upstream only for what its downstream took
// (relay/call.ts): so each sidecar holds at most about one stream window of this call, plus its write
// buffer (limits.maxBufferedWriteBytes, 256 KiB). A sidecar that buffered instead would hold most of the
// transfer within a second or two: the backends write hundreds of MiB/s.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import test from 'ava';
import { STACKS, startEchoPair, type EchoPair } from '../../../support/echo/echo-pair.js';
import { RawGrpcClient, header } from '../../../support/echo/raw-grpc-client.js';
import { useServers } from '../../../support/servers.js';

const servers = useServers(test, { consul: true });

let pair: EchoPair | undefined;

test.serial.before(async () => {
  pair = await startEchoPair(servers().consul);
});

test.after.always(async () => {
  await pair?.stop();
});

const MiB = 1024 * 1024;
/** 1 MiB messages, and the gRPC framing around each. */
const MESSAGE = MiB;
const FRAMED = MESSAGE + 5;
const COUNT = 96;
/** The reader's pace: the transfer takes COUNT / READ_MIB_PER_S seconds. */
const READ_MIB_PER_S = 12;
const TICK_MS = 50;
/**
 * Growth allowed to each sidecar's RSS while the reader lags, after a full-speed warm-up of the same size:
 * ~1.3 MiB of this call's data (window + write buffer) and allocator/GC slack (seen: +0 to +5 MiB). With the
 * relay crediting upstream on receipt instead (broken on purpose), the caller's sidecar grew +60 to +90 MiB.
 */
const MAX_RSS_GROWTH_MIB = 24;
/**
 * Messages the backend may have handed to its stack ahead of the reader: three 1 MiB stream windows (app ←
 * caller's sidecar ← backend's sidecar ← backend), a message or so in each sidecar's write buffer, and the
 * backend's own queue (grpc-js: an objectMode Writable of 16 messages, then node:http2's; python: one send at a time).
 */
const MAX_AHEAD_MESSAGES = 24;

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (m === null) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) / 1024;
}

interface SlowRead {
  bytes: number;
  status: string | undefined;
  elapsedMs: number;
  /** The backend's sent count when the reader had read half, and what the reader had then. */
  sentAtHalf: number;
  readAtHalf: number;
}

/** A ServerStream of COUNT × 1 MiB, read at READ_MIB_PER_S. */
async function slowRead(port: number, sentByBackend: () => Promise<number>): Promise<SlowRead> {
  const raw = await RawGrpcClient.connect(port);
  try {
    let unread = 0;
    let read = 0;
    let half: Promise<{ sent: number; read: number }> | undefined;
    const call = raw.call('ServerStream', {
      headers: [['x-echo-count', String(COUNT)]],
      messages: [randomBytes(MESSAGE)],
      autoConsume: false,
      onData: (chunk) => (unread += chunk.length),
    });
    const perTick = (READ_MIB_PER_S * MiB * TICK_MS) / 1000;
    const pacer = setInterval(() => {
      const n = Math.min(unread, perTick);
      if (n <= 0) return;
      unread -= n;
      read += n;
      call.consume(n);
      if (half === undefined && read >= (COUNT * FRAMED) / 2) {
        const readAtHalf = read;
        half = sentByBackend().then((sent) => ({ sent, read: readAtHalf }));
      }
    }, TICK_MS);
    const end = await call.ended.finally(() => clearInterval(pacer));
    const atHalf = await (half ?? Promise.resolve({ sent: Number.NaN, read: 0 }));
    return { bytes: end.bytes, status: header(end.trailers, 'grpc-status'), elapsedMs: end.elapsedMs, sentAtHalf: atHalf.sent, readAtHalf: atHalf.read / FRAMED };
  } finally {
    await raw.close();
  }
}

for (const stack of STACKS) {
  test.serial(`flow control (${stack}) - a slow reader slows the writer, and both sidecars' memory stays bounded`, async (t) => {
    const b = pair!.backends[stack];
    const pids = { caller: pair!.caller.pid, backend: b.sidecar.pid };
    // Warm-up at full speed: connections, JIT and heap sizes settle before the baseline.
    const warm = await RawGrpcClient.connect(b.upstreamPort);
    await warm.call('ServerStream', { headers: [['x-echo-count', String(COUNT)]], messages: [randomBytes(MESSAGE)] }).ended;
    await warm.close();
    const baseline = { caller: rssMiB(pids.caller), backend: rssMiB(pids.backend) };
    const peak = { ...baseline };
    const sampler = setInterval(() => {
      peak.caller = Math.max(peak.caller, rssMiB(pids.caller));
      peak.backend = Math.max(peak.backend, rssMiB(pids.backend));
    }, 100);
    const sentBefore = (await b.stats()).sent;
    const result = await slowRead(b.upstreamPort, async () => (await b.stats()).sent - sentBefore).finally(() => clearInterval(sampler));

    const growth = { caller: peak.caller - baseline.caller, backend: peak.backend - baseline.backend };
    t.log(
      `${stack}: ${COUNT} MiB read in ${(result.elapsedMs / 1000).toFixed(1)} s; RSS caller sidecar ${baseline.caller.toFixed(1)} → peak ${peak.caller.toFixed(1)} MiB (+${growth.caller.toFixed(1)}),` +
        ` backend sidecar ${baseline.backend.toFixed(1)} → peak ${peak.backend.toFixed(1)} MiB (+${growth.backend.toFixed(1)}); backend had sent ${result.sentAtHalf} messages when the reader had read ${result.readAtHalf.toFixed(1)}`,
    );
    t.is(result.status, '0');
    t.is(result.bytes, COUNT * FRAMED, 'every byte arrived');
    t.true(result.sentAtHalf - result.readAtHalf <= MAX_AHEAD_MESSAGES, `the writer was held back: ${result.sentAtHalf} sent when ${result.readAtHalf.toFixed(1)} were read`);
    t.true(growth.caller <= MAX_RSS_GROWTH_MIB, `caller's sidecar grew ${growth.caller.toFixed(1)} MiB`);
    t.true(growth.backend <= MAX_RSS_GROWTH_MIB, `backend's sidecar grew ${growth.backend.toFixed(1)} MiB`);
  });
}
