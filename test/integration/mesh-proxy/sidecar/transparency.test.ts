// The sidecar pair is transparent to gRPC, whatever the stack behind it (issue 3, "Transparent to gRPC"):
// every call shape, metadata and trailers, trailers-only errors, deadlines, cancels, large messages,
// many streams on one connection, and methods the proxy has never heard of — against a grpc-js and a
// python3-grpcio backend, each through app → outbound sidecar → inbound sidecar → backend.
// Slow-reader back-pressure and the sidecars' memory are in transparency-flow-control.test.ts.
import { randomBytes } from 'node:crypto';
import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import test, { type ExecutionContext } from 'ava';
import { ECHO_SERVICE } from '../../../support/echo/echo-server.js';
import { STACKS, startEchoPair, type EchoBackend, type EchoPair, type Stack } from '../../../support/echo/echo-pair.js';
import { RawGrpcClient, header } from '../../../support/echo/raw-grpc-client.js';
import { eventually } from '../../../support/eventually.js';
import { clusterOf } from '../../../support/mesh-admin.js';
import { useServers } from '../../../support/servers.js';

const servers = useServers(test, { consul: true });

let pair: EchoPair | undefined;

test.serial.before(async () => {
  pair = await startEchoPair(servers().consul);
});

test.after.always(async () => {
  await pair?.stop();
});

function backend(stack: Stack): EchoBackend {
  if (pair === undefined) throw new Error('the echo pair did not start');
  return pair.backends[stack];
}

const MANY = 500;
/** Deadline of calls whose timing is not under test: generous, for a loaded 2-core runner (all tests of the file start at once). */
const SLACK_MS = 20_000;
const MiB = 1024 * 1024;
/** Every byte value, at a length that base64 pads. */
const BIN = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), Buffer.from([0]), Buffer.from([0xff, 0xfe])]);
const UTF8_MESSAGE = 'carte refusée — 残高不足 ✓ 100% done\t(tab)';

function numbered(n: number, size = 64): Buffer[] {
  return Array.from({ length: n }, (_, i) => Buffer.concat([Buffer.from(`#${i}:`), randomBytes(size)]));
}

function grpcError(t: ExecutionContext, err: unknown): ServiceError {
  t.true(err instanceof Error && 'code' in err, `a gRPC error, got ${String(err)}`);
  return err as ServiceError;
}

// ---------------------------------------------------------------- call shapes

for (const stack of STACKS) {
  test(`transparency (${stack}) - unary: ${MANY} calls of 0 B to 64 KiB come back byte for byte`, async (t) => {
    const { app } = backend(stack);
    const payloads = Array.from({ length: MANY }, (_, i) => randomBytes(i === 0 ? 0 : (i * 131) % (64 * 1024)));
    const results = await Promise.all(payloads.map((p) => app.unary(p, { timeoutMs: SLACK_MS })));
    t.true(results.every((r, i) => r.value.equals(payloads[i]!)));
  });

  test(`transparency (${stack}) - server streaming: ${MANY} messages in order`, async (t) => {
    const { app } = backend(stack);
    const message = randomBytes(1000);
    const out = await app.serverStream(message, { metadata: { 'x-echo-count': String(MANY) }, timeoutMs: SLACK_MS });
    t.is(out.length, MANY);
    t.true(out.every((m) => m.equals(message)));
  });

  test(`transparency (${stack}) - client streaming: ${MANY} messages arrive whole and in order`, async (t) => {
    const { app } = backend(stack);
    const messages = numbered(MANY);
    const out = await app.clientStream(messages, { timeoutMs: SLACK_MS });
    t.true(out.equals(Buffer.concat(messages)));
  });

  test(`transparency (${stack}) - bidi streaming: ${MANY} messages echoed in order`, async (t) => {
    const { app } = backend(stack);
    const messages = numbered(MANY);
    const out = await app.bidi(messages, { timeoutMs: SLACK_MS });
    t.is(out.length, MANY);
    t.true(out.every((m, i) => m.equals(messages[i]!)));
  });

  // ---------------------------------------------------------------- metadata and trailers

  test(`transparency (${stack}) - metadata: request headers reach the backend, x-echo-meta-* come back as headers and trailers, -bin bytes intact`, async (t) => {
    const { app } = backend(stack);
    const metadata = { 'x-echo-meta-text': 'plain value, with: punctuation;', 'x-echo-meta-blob-bin': BIN, 'x-echo-meta-empty-bin': Buffer.alloc(0) };
    const res = await app.unary(Buffer.from('m'), { metadata, timeoutMs: SLACK_MS });
    for (const md of [res.headers, res.trailers]) {
      t.deepEqual(md.get('x-echo-meta-text'), ['plain value, with: punctuation;']);
      t.deepEqual(md.get('x-echo-meta-blob-bin'), [BIN]);
      t.deepEqual(md.get('x-echo-meta-empty-bin'), [Buffer.alloc(0)]);
    }
    // A streaming call carries them the same way (headers before the first message, trailers after the last).
    const call = app.client.makeBidiStreamRequest(`/${ECHO_SERVICE}/Bidi`, (b: Buffer) => b, (b: Buffer) => b, metadataOf(metadata), { deadline: Date.now() + SLACK_MS });
    const headers = new Promise<Metadata>((r) => call.once('metadata', r));
    const trailers = new Promise<Metadata>((r) => call.once('status', (s: { metadata: Metadata }) => r(s.metadata)));
    call.write(Buffer.from('x'));
    call.end();
    for await (const _ of call);
    for (const md of [await headers, await trailers]) t.deepEqual(md.get('x-echo-meta-blob-bin'), [BIN]);
  });

  // ---------------------------------------------------------------- statuses

  test(`transparency (${stack}) - a trailers-only error reaches the caller with its real code, UTF-8 grpc-message and trailers`, async (t) => {
    const { app } = backend(stack);
    const codes = [status.INVALID_ARGUMENT, status.NOT_FOUND, status.FAILED_PRECONDITION, status.RESOURCE_EXHAUSTED, status.PERMISSION_DENIED, status.UNAVAILABLE];
    for (const code of codes) {
      const metadata = { 'x-echo-status': String(code), 'x-echo-message-bin': Buffer.from(UTF8_MESSAGE, 'utf8'), 'x-echo-meta-why': 'declined' };
      const unary = grpcError(t, await app.unary(Buffer.from('x'), { metadata, timeoutMs: SLACK_MS }).catch((e: unknown) => e));
      t.is(unary.code, code, `unary ${code}: ${unary.details}`);
      t.is(unary.details, UTF8_MESSAGE);
      t.deepEqual(unary.metadata.get('x-echo-meta-why'), ['declined']);
      const streamed = grpcError(t, await app.serverStream(Buffer.from('x'), { metadata, timeoutMs: SLACK_MS }).catch((e: unknown) => e));
      t.is(streamed.code, code, `server stream ${code}: ${streamed.details}`);
      t.is(streamed.details, UTF8_MESSAGE);
    }
    // Answered while the caller is still sending 8 MiB: the error is not lost behind the request body.
    const early = grpcError(
      t,
      await app.clientStream(numbered(128, 64 * 1024), { metadata: { 'x-echo-status': String(status.FAILED_PRECONDITION), 'x-echo-message': 'early' }, timeoutMs: SLACK_MS }).catch((e: unknown) => e),
    );
    t.is(early.code, status.FAILED_PRECONDITION, early.details);
    t.is(early.details, 'early');
  });

  test(`transparency (${stack}) - a trailers-only response crosses the pair as one HEADERS frame, grpc-message bytes untouched`, async (t) => {
    const { upstreamPort } = backend(stack);
    const raw = await RawGrpcClient.connect(upstreamPort);
    t.teardown(() => raw.close());
    const end = await raw.call('Unary', {
      headers: [
        ['x-echo-status', String(status.FAILED_PRECONDITION)],
        ['x-echo-message-bin', Buffer.from(UTF8_MESSAGE).toString('base64')],
      ],
      messages: [Buffer.from('x')],
    }).ended;
    t.is(end.trailers, undefined, 'no second HEADERS: the status came before any message');
    t.is(end.bytes, 0);
    t.is(header(end.headers, ':status'), '200');
    t.is(header(end.headers, 'grpc-status'), String(status.FAILED_PRECONDITION));
    // Percent-encoded UTF-8 as PROTOCOL-HTTP2 says; each stack chooses which ASCII to escape, the proxy keeps it as sent.
    t.is(decodeURIComponent(header(end.headers, 'grpc-message') ?? ''), UTF8_MESSAGE);
  });

  test(`transparency (${stack}) - a method the backend does not know is answered UNIMPLEMENTED by the backend itself`, async (t) => {
    const { app } = backend(stack);
    for (const path of [`/${ECHO_SERVICE}/NoSuchMethod`, '/no.such.Service/Call']) {
      const err = grpcError(
        t,
        await new Promise((resolve, reject) =>
          app.client.makeUnaryRequest(path, (b: Buffer) => b, (b: Buffer) => b, Buffer.from('x'), new Metadata(), { deadline: Date.now() + SLACK_MS }, (e, v) => (e ? resolve(e) : reject(new Error(`answered ${String(v)}`)))),
        ),
      );
      t.is(err.code, status.UNIMPLEMENTED, `${path}: ${err.details}`);
      t.notRegex(err.details, /mesh-proxy/, 'the answer is the backend’s, not one the proxy made up');
    }
  });

  // ---------------------------------------------------------------- deadlines and cancels (serial: they read the backend's counters)

  test.serial(`transparency (${stack}) - grpc-timeout is passed on: the backend's deadline is never later than the caller's, and none is invented`, async (t) => {
    const b = backend(stack);
    const sent = performance.now();
    await b.app.unary(Buffer.from('d'), { timeoutMs: 5000 });
    const elapsed = performance.now() - sent;
    const seen = (await b.stats()).lastDeadlineMs;
    t.not(seen, undefined, 'the backend got a deadline');
    t.true(seen! <= 5000, `backend deadline ${seen} ms ≤ the caller's 5000 ms`);
    t.true(seen! >= 5000 - elapsed - 50, `backend deadline ${seen} ms: only the time spent on the way is taken off (call took ${elapsed.toFixed(0)} ms)`);
    await b.app.unary(Buffer.from('d'));
    t.is((await b.stats()).lastDeadlineMs, undefined, 'no deadline when the caller set none');
  });

  test.serial(`transparency (${stack}) - a deadline that passes while the backend works: DEADLINE_EXCEEDED, and the backend's call is cancelled`, async (t) => {
    const b = backend(stack);
    const before = (await b.stats()).cancelled;
    await b.app.unary(Buffer.from('ok'), { timeoutMs: SLACK_MS });
    await new Promise((r) => setTimeout(r, 100));
    t.is((await b.stats()).cancelled, before, 'an answered call is not counted as cancelled');
    const started = performance.now();
    const err = grpcError(t, await b.app.unary(Buffer.from('slow'), { metadata: { 'x-echo-delay-ms': '3000' }, timeoutMs: 400 }).catch((e: unknown) => e));
    t.is(err.code, status.DEADLINE_EXCEEDED, err.details);
    t.true(performance.now() - started < 1500, 'the caller did not wait for the backend');
    await eventually(async () => ((await b.stats()).cancelled === before + 1 ? true : undefined), 2000, `${stack} backend to see its call cancelled`);
    t.pass();
  });

  test.serial(`transparency (${stack}) - a caller that never resets at its deadline still gets DEADLINE_EXCEEDED, and the backend's call is cancelled`, async (t) => {
    const b = backend(stack);
    const raw = await RawGrpcClient.connect(b.upstreamPort);
    t.teardown(() => raw.close());
    const before = (await b.stats()).cancelled;
    const end = await raw.call('Unary', { headers: [['grpc-timeout', '400m'], ['x-echo-delay-ms', '3000']], messages: [Buffer.from('slow')] }).ended;
    t.is(end.resetCode, undefined, `answered, not reset (${end.resetCode})`);
    t.is(header(end.trailers ?? end.headers, 'grpc-status'), String(status.DEADLINE_EXCEEDED));
    t.true(end.elapsedMs < 1500, `answered after ${end.elapsedMs.toFixed(0)} ms`);
    await eventually(async () => ((await b.stats()).cancelled === before + 1 ? true : undefined), 2000, `${stack} backend to see its call cancelled`);
    t.pass();
  });

  test.serial(`transparency (${stack}) - a client cancel (RST_STREAM) reaches the backend: unary, server stream, open bidi`, async (t) => {
    const b = backend(stack);
    const cancelled = async (n: number, what: string) => {
      await eventually(async () => ((await b.stats()).cancelled === n ? true : undefined), 2000, `${stack} backend to see the ${what} cancelled`);
    };
    const before = (await b.stats()).cancelled;
    // Unary, while the backend works (AbortSignal → call.cancel() → RST_STREAM(CANCEL)).
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 300);
    const unary = grpcError(t, await b.app.unary(Buffer.from('slow'), { metadata: { 'x-echo-delay-ms': '3000' }, signal: abort.signal }).catch((e: unknown) => e));
    t.is(unary.code, status.CANCELLED);
    await cancelled(before + 1, 'unary call');
    // Server streaming, while the backend still has 1000 × 64 KiB to write (held back by flow control).
    const stream = b.app.client.makeServerStreamRequest(`/${ECHO_SERVICE}/ServerStream`, (x: Buffer) => x, (x: Buffer) => x, randomBytes(64 * 1024), metadataOf({ 'x-echo-count': '1000' }), {});
    stream.on('error', () => undefined);
    await new Promise((r) => stream.once('data', r));
    stream.cancel();
    await cancelled(before + 2, 'server stream');
    // A bidi call whose request is still open. (grpc-js half-closes before its RST_STREAM: a backend quick enough
    // answers that half-close first, and nothing is left to cancel. Only the reset is sent here.)
    const raw = await RawGrpcClient.connect(b.upstreamPort);
    t.teardown(() => raw.close());
    let echoed!: () => void;
    const first = new Promise<void>((r) => (echoed = r));
    const bidi = raw.call('Bidi', { messages: [Buffer.from('first')], endRequest: false, onData: () => echoed() });
    await first;
    bidi.reset();
    await cancelled(before + 3, 'open bidi call');
    t.pass();
  });

  // ---------------------------------------------------------------- size and concurrency

  test(`transparency (${stack}) - 16 MiB messages each way, unary and bidi`, async (t) => {
    const { app } = backend(stack);
    const big = randomBytes(16 * MiB);
    const res = await app.unary(big, { timeoutMs: 30_000 });
    t.true(res.value.equals(big), 'unary 16 MiB');
    const second = randomBytes(16 * MiB);
    const out = await app.bidi([big, second], { timeoutMs: 30_000 });
    t.is(out.length, 2);
    t.true(out[0]!.equals(big) && out[1]!.equals(second), 'bidi 2 × 16 MiB');
  });

  // Serial: alone, so that the streams counted and the connection between the sidecars are this test's.
  test.serial(`transparency (${stack}) - ${MANY} concurrent streams on one client connection`, async (t) => {
    const b = backend(stack);
    let peak = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const cluster = await clusterOf(pair!.caller, b.service);
        peak = Math.max(peak, cluster.endpoints[0]?.activeStreams ?? 0);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    // Each call is held by the backend, so that all of them are open at once on the app's one connection
    // (python's 32 worker threads queue the rest: a shorter hold keeps its run short, and the streams open).
    const hold = stack === 'python' ? '200' : '1000';
    const calls = Array.from({ length: MANY }, (_, i) => b.app.unary(Buffer.from(`c${i}`), { metadata: { 'x-echo-delay-ms': hold }, timeoutMs: 30_000 }));
    const results = await Promise.allSettled(calls);
    sampling = false;
    await sampler;
    const failed = results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason));
    t.deepEqual(failed.slice(0, 3), [], `${failed.length} calls failed`);
    t.true(results.every((r, i) => r.status === 'fulfilled' && r.value.value.toString() === `c${i}`));
    t.true(peak >= MANY * 0.9, `at most ${peak} streams were seen open at once upstream`);
    const cluster = await clusterOf(pair!.caller, b.service);
    t.is(cluster.endpoints[0]?.connections, 1, 'one connection between the sidecars carried them all');
  });
}

function metadataOf(values: Record<string, string | Buffer>): Metadata {
  const md = new Metadata();
  for (const [k, v] of Object.entries(values)) md.set(k, v);
  return md;
}
