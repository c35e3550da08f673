// Our client role talking to node:http2's server (nghttp2) over loopback TCP.
import test, { type ExecutionContext } from 'ava';
import { createHash } from 'node:crypto';
import http2 from 'node:http2';
import type net from 'node:net';
import { ErrorCode, type H2ConnectionOptions, type HeaderList } from '../../../../mesh-proxy/src/h2/index.js';
import { type CallResult, EngineClient, GRPC_HEADERS, grpcMessage } from './engine-apps.js';
import { closeSession, guardUncaught, writeAll } from './node-peer.js';

const uncaught = guardUncaught();

interface NodeServerState {
  sessions: http2.ServerHttp2Session[];
  active: number;
  maxActive: number;
  refused: number;
  requestTrailers: http2.IncomingHttpHeaders[];
  requestHeaders: http2.IncomingHttpHeaders[];
  received: Map<number, { bytes: number; hash: string }>;
}

/** A node:http2 server answering by x-mode, like EngineServer: echo, sink, download, big-headers, trailers-only, reset, slow, early-hints. */
async function nodeServer(t: ExecutionContext, settings: http2.Settings = {}): Promise<{ port: number; state: NodeServerState }> {
  const state: NodeServerState = { sessions: [], active: 0, maxActive: 0, refused: 0, requestTrailers: [], requestHeaders: [], received: new Map() };
  const server = http2.createServer({ settings });
  server.on('session', (s) => state.sessions.push(s));
  server.on('stream', (stream, headers) => {
    state.requestHeaders.push(headers);
    state.active++;
    state.maxActive = Math.max(state.maxActive, state.active);
    stream.on('close', () => state.active--);
    stream.on('error', () => {});
    stream.on('trailers', (tr) => state.requestTrailers.push(tr));
    const mode = String(headers['x-mode'] ?? 'echo');
    const size = Number(headers['x-size'] ?? 0);
    const hash = createHash('sha256');
    let received = 0;
    const respond = (extra: http2.OutgoingHttpHeaders = {}) =>
      stream.respond({ ':status': 200, 'content-type': 'application/grpc', ...extra }, { waitForTrailers: true });
    stream.on('wantTrailers', () => {
      const trailers: http2.OutgoingHttpHeaders = { 'grpc-status': '0', 'x-received': String(received) };
      if (mode === 'big-headers') trailers['x-big-trailer'] = 't'.repeat(size);
      stream.sendTrailers(trailers);
    });
    switch (mode) {
      case 'trailers-only':
        stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '5', 'grpc-message': 'no such order' }, { endStream: true });
        return;
      case 'reset':
        stream.close(http2.constants.NGHTTP2_CANCEL);
        return;
      case 'early-hints':
        stream.additionalHeaders({ ':status': 103, link: '</style.css>; rel=preload' });
        break;
    }
    stream.on('data', (c: Buffer) => {
      received += c.length;
      if (mode === 'sink') hash.update(c);
      if (mode === 'echo' || mode === 'early-hints') stream.write(c);
    });
    if (mode === 'big-headers') respond({ 'x-big': 'r'.repeat(size) });
    else respond();
    if (mode === 'download') void writeAll(stream, Buffer.alloc(size, 0x62)).then(() => stream.end());
    stream.on('end', () => {
      if (mode === 'sink') state.received.set(stream.id!, { bytes: received, hash: hash.digest('hex') });
      if (mode === 'slow') setTimeout(() => stream.end(), 20);
      else if (mode !== 'download') stream.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(async () => {
    for (const s of state.sessions) await closeSession(s);
    await new Promise((r) => server.close(r));
  });
  return { port: (server.address() as net.AddressInfo).port, state };
}

async function connect(t: ExecutionContext, port: number, options: Partial<H2ConnectionOptions> = {}): Promise<EngineClient> {
  const client = await EngineClient.connect(port, options);
  t.teardown(() => {
    client.conn.close();
    return client.conn.closed;
  });
  return client;
}

const find = (h: HeaderList | undefined, name: string) => h?.find(([n]) => n === name)?.[1];
const responseOf = (r: CallResult) => r.headers.find((x) => !find(x.headers, ':status')?.startsWith('1'))!.headers;
const trailersOf = (r: CallResult) => r.headers.at(-1)!.headers;

test('h2 interop client - a unary call: request HEADERS + DATA, response HEADERS, DATA, trailers', async (t) => {
  const { port } = await nodeServer(t);
  const client = await connect(t, port);
  const body = grpcMessage(100);
  const r = await client.call(GRPC_HEADERS(), body);
  t.is(find(responseOf(r), ':status'), '200');
  t.true(r.data.equals(body));
  t.is(find(trailersOf(r), 'grpc-status'), '0');
  t.is(find(trailersOf(r), 'x-received'), '105');
  t.is(r.headers.length, 2);
  t.true(r.headers[1]!.end);
  t.is(client.conn.activeStreams, 0);
  uncaught.check(t);
});

test('h2 interop client - streaming both ways: each message is echoed before the next is sent', async (t) => {
  const { port } = await nodeServer(t);
  const client = await connect(t, port);
  let echoed = 0;
  let wake: (() => void) | undefined;
  const { id, done } = client.open(GRPC_HEADERS('/chat'), (d) => {
    echoed += d.length;
    wake?.();
  });
  let sent = 0;
  for (let i = 0; i < 100; i++) {
    const msg = grpcMessage(200, i);
    client.write(id, msg);
    sent += msg.length;
    await new Promise<void>((resolve) => {
      wake = () => (echoed >= sent ? resolve() : undefined);
      wake();
    });
  }
  client.write(id, Buffer.alloc(0), true);
  const r = await done;
  t.true(r.data.equals(Buffer.concat(Array.from({ length: 100 }, (_, i) => grpcMessage(200, i)))));
  t.is(find(trailersOf(r), 'x-received'), String(sent));
  uncaught.check(t);
});

test('h2 interop client - request trailers reach the node server', async (t) => {
  const { port, state } = await nodeServer(t);
  const client = await connect(t, port);
  const r = await client.call(GRPC_HEADERS('/up'), grpcMessage(10), [['x-client-trailer', 'yes']]);
  t.is(find(trailersOf(r), 'grpc-status'), '0');
  t.is(state.requestTrailers[0]?.['x-client-trailer'], 'yes');
  uncaught.check(t);
});

test('h2 interop client - RST_STREAM from the server reaches us as onReset', async (t) => {
  const { port } = await nodeServer(t);
  const client = await connect(t, port);
  const r = await client.call(GRPC_HEADERS('/r', [['x-mode', 'reset']]), grpcMessage(1));
  t.is(r.reset, ErrorCode.CANCEL);
  t.is(client.conn.activeStreams, 0);
  t.is(find(trailersOf(await client.call(GRPC_HEADERS(), grpcMessage(1))), 'grpc-status'), '0', 'the connection carries on');
  uncaught.check(t);
});

test('h2 interop client - a trailers-only response is one onHeaders with endStream', async (t) => {
  const { port } = await nodeServer(t);
  const client = await connect(t, port);
  const r = await client.call(GRPC_HEADERS('/missing', [['x-mode', 'trailers-only']]), grpcMessage(1));
  t.is(r.headers.length, 1);
  t.true(r.headers[0]!.end);
  t.is(find(r.headers[0]!.headers, ':status'), '200');
  t.is(find(r.headers[0]!.headers, 'grpc-status'), '5');
  t.is(find(r.headers[0]!.headers, 'grpc-message'), 'no such order');
  t.is(r.reset, undefined);
  uncaught.check(t);
});

test('h2 interop client - a 103 informational response is passed on before the final one', async (t) => {
  const { port } = await nodeServer(t);
  const client = await connect(t, port);
  const r = await client.call(GRPC_HEADERS('/hints', [['x-mode', 'early-hints']]), grpcMessage(3));
  t.deepEqual(
    r.headers.map((x) => [find(x.headers, ':status') ?? 'trailers', x.end]),
    [
      ['103', false],
      ['200', false],
      ['trailers', true],
    ],
  );
  uncaught.check(t);
});

test('h2 interop client - large header lists cross in HEADERS + CONTINUATION both ways', async (t) => {
  const { port, state } = await nodeServer(t);
  const client = await connect(t, port);
  const big = 'q'.repeat(40_000);
  const r = await client.call(GRPC_HEADERS('/big', [['x-mode', 'big-headers'], ['x-size', '40000'], ['x-big-request', big]]), grpcMessage(1));
  t.is(find(responseOf(r), 'x-big')?.length, 40_000);
  t.is(find(trailersOf(r), 'x-big-trailer')?.length, 40_000);
  t.is(state.requestHeaders[0]?.['x-big-request'], big);
  uncaught.check(t);
});

test('h2 interop client - a 16 MiB download to our slow consumer: the server is held within the windows we granted', async (t) => {
  const streamWindow = 256 * 1024;
  const connectionWindow = 1024 * 1024;
  const { port } = await nodeServer(t);
  const client = await connect(t, port, { settings: { initialWindowSize: streamWindow }, connectionWindow });
  client.consumeNow = false;
  const size = 16 * 1024 * 1024;
  const started = Date.now();
  const call = client.call(GRPC_HEADERS('/download', [['x-mode', 'download'], ['x-size', String(size)]]), grpcMessage(1));
  const timer = setInterval(() => {
    const n = Math.min(256 * 1024, client.meter.of(1));
    if (n > 0) client.consume(1, n);
  }, 5);
  t.teardown(() => clearInterval(timer));
  const r = await call;
  const took = Date.now() - started;
  t.is(r.data.length, size);
  t.true(r.data.equals(Buffer.alloc(size, 0x62)));
  t.is(find(trailersOf(r), 'grpc-status'), '0');
  t.true(client.meter.maxStream <= streamWindow, `buffered ${client.meter.maxStream} > ${streamWindow}`);
  t.true(client.meter.maxTotal <= connectionWindow);
  t.true(client.meter.maxStream >= streamWindow / 2, `the consumer was the bottleneck (buffered up to ${client.meter.maxStream})`);
  t.true(took >= 64 * 5 * 0.9, `took ${took} ms`);
  uncaught.check(t);
});

test('h2 interop client - a 16 MiB upload is sent as the server window allows and arrives intact', async (t) => {
  const { port, state } = await nodeServer(t, { initialWindowSize: 64 * 1024 });
  const client = await connect(t, port);
  const body = Buffer.alloc(16 * 1024 * 1024);
  for (let i = 0; i < body.length; i += 4096) body[i] = i % 251;
  const r = await client.call(GRPC_HEADERS('/upload', [['x-mode', 'sink']]), body);
  t.is(find(trailersOf(r), 'x-received'), String(body.length));
  t.is(state.received.get(r.id)?.hash, createHash('sha256').update(body).digest('hex'));
  uncaught.check(t);
});

test('h2 interop client - the server MAX_CONCURRENT_STREAMS (3) is honoured when 10 calls are wanted', async (t) => {
  const { port, state } = await nodeServer(t, { maxConcurrentStreams: 3 });
  const client = await connect(t, port);
  const results: Array<Promise<CallResult>> = [];
  let wanted = 10;
  let peak = 0;
  await new Promise<void>((resolve) => {
    const pump = () => {
      while (wanted > 0 && client.conn.canOpenStream()) {
        wanted--;
        const p = client.call(GRPC_HEADERS('/slow', [['x-mode', 'slow']]), grpcMessage(5));
        peak = Math.max(peak, client.conn.activeStreams);
        results.push(p);
        void p.then(pump);
      }
      if (wanted === 0) resolve();
    };
    pump();
  });
  const all = await Promise.all(results);
  t.is(all.length, 10);
  t.true(all.every((r) => r.reset === undefined && find(trailersOf(r), 'grpc-status') === '0'));
  t.is(peak, 3);
  t.is(state.maxActive, 3);
  uncaught.check(t);
});

test('h2 interop client - GOAWAY with a last stream id: streams above it are refused (safe to retry), no new streams', async (t) => {
  const { port, state } = await nodeServer(t);
  const client = await connect(t, port);
  const calls = [1, 2, 3].map(() => {
    const { id, done } = client.open(GRPC_HEADERS('/hold', [['x-mode', 'slow']]));
    client.write(id, grpcMessage(1));
    return { id, done };
  });
  while (state.sessions.length === 0 || state.requestHeaders.length < 3) await new Promise((r) => setTimeout(r, 5));
  state.sessions[0]!.goaway(http2.constants.NGHTTP2_NO_ERROR, calls[0]!.id);
  while (client.goaways.length === 0) await new Promise((r) => setTimeout(r, 5));
  t.deepEqual(client.goaways[0], { last: calls[0]!.id, code: ErrorCode.NO_ERROR });
  t.is((await calls[1]!.done).reset, ErrorCode.REFUSED_STREAM);
  t.is((await calls[2]!.done).reset, ErrorCode.REFUSED_STREAM);
  t.false(client.conn.canOpenStream());
  client.write(calls[0]!.id, Buffer.alloc(0), true);
  const first = await calls[0]!.done;
  t.is(find(trailersOf(first), 'grpc-status'), '0', 'the stream below the last id completes');
  await client.conn.closed;
  t.is(client.closeError, undefined);
  uncaught.check(t);
});

test('h2 interop client - a graceful server close lets in-flight calls finish, then the connection closes', async (t) => {
  const { port, state } = await nodeServer(t);
  const client = await connect(t, port);
  const inflight = client.call(GRPC_HEADERS('/slow', [['x-mode', 'slow']]), grpcMessage(5));
  while (state.requestHeaders.length < 1) await new Promise((r) => setTimeout(r, 5));
  state.sessions[0]!.close();
  const r = await inflight;
  t.is(find(trailersOf(r), 'grpc-status'), '0');
  await client.conn.closed;
  t.true(client.goaways.length >= 1);
  t.false(client.conn.canOpenStream());
  uncaught.check(t);
});

test('h2 interop client - 500 concurrent streams on one connection', async (t) => {
  const { port, state } = await nodeServer(t);
  const client = await connect(t, port);
  const calls = Array.from({ length: 500 }, (_, i) => client.call(GRPC_HEADERS(`/c/${i}`), grpcMessage(100, i % 256)));
  t.is(client.conn.activeStreams, 500);
  const results = await Promise.all(calls);
  t.true(results.every((r, i) => find(trailersOf(r), 'grpc-status') === '0' && r.data.equals(grpcMessage(100, i % 256))));
  t.is(state.sessions.length, 1);
  t.true(state.maxActive > 100, `the server saw ${state.maxActive} at once`);
  uncaught.check(t);
});
