// Our server role serving node:http2's client (nghttp2) over loopback TCP.
import test, { type ExecutionContext } from 'ava';
import { createHash } from 'node:crypto';
import http2 from 'node:http2';
import { ErrorCode } from '../../../../mesh-proxy/src/h2/index.js';
import type { H2ConnectionOptions } from '../../../../mesh-proxy/src/h2/index.js';
import { EngineServer, grpcMessage } from './engine-apps.js';
import { closeSession, guardUncaught, nodeCall } from './node-peer.js';

const uncaught = guardUncaught();

async function setup(t: ExecutionContext, options: Partial<H2ConnectionOptions> = {}, clientOptions: http2.ClientSessionOptions = {}) {
  const { server, port, handlers } = await EngineServer.listen(options);
  const client = http2.connect(`http://127.0.0.1:${port}`, clientOptions);
  client.on('error', () => {});
  t.teardown(async () => {
    await closeSession(client);
    for (const h of handlers) for (const c of h.conns) c.close();
    await new Promise((r) => server.close(r));
  });
  await new Promise<void>((resolve, reject) => {
    client.once('remoteSettings', () => resolve());
    client.once('error', reject);
  });
  return { client, handlers, server: () => handlers[0]! };
}

test('h2 interop server - a unary call: headers, one DATA, response headers, DATA, trailers', async (t) => {
  const { client } = await setup(t);
  const body = grpcMessage(100);
  const r = await nodeCall(client, { ':path': '/shop.order.v1.OrderService/GetOrder' }, body);
  t.is(r.status, 200);
  t.is(r.headers['content-type'], 'application/grpc');
  t.true(r.data.equals(body));
  t.is(r.trailers?.['grpc-status'], '0');
  t.is(r.trailers?.['x-received'], '105');
  uncaught.check(t);
});

test('h2 interop server - streaming both ways: each DATA is echoed before the next is sent', async (t) => {
  const { client } = await setup(t);
  const req = client.request({ ':method': 'POST', ':path': '/chat', 'content-type': 'application/grpc', te: 'trailers' });
  const echoes: Buffer[] = [];
  let waiting: (() => void) | undefined;
  req.on('data', (c: Buffer) => {
    echoes.push(c);
    waiting?.();
  });
  const trailers = new Promise<http2.IncomingHttpHeaders>((resolve) => req.on('trailers', resolve));
  let received = 0;
  for (let i = 0; i < 100; i++) {
    const msg = grpcMessage(200, i);
    req.write(msg);
    received += msg.length;
    await new Promise<void>((resolve) => {
      const check = () => (Buffer.concat(echoes).length >= received ? resolve() : undefined);
      waiting = check;
      check();
    });
  }
  req.end();
  t.is((await trailers)['x-received'], String(received));
  t.true(Buffer.concat(echoes).equals(Buffer.concat(Array.from({ length: 100 }, (_, i) => grpcMessage(200, i)))), 'every message echoed, in order');
  uncaught.check(t);
});

test('h2 interop server - request trailers from the client reach the handler as a HEADERS with endStream', async (t) => {
  const { client, server } = await setup(t);
  const r = await nodeCall(client, { ':path': '/up' }, grpcMessage(10), { 'x-client-trailer': 'yes' });
  t.is(r.trailers?.['x-request-trailers'], 'x-client-trailer=yes');
  const req = [...server().requests.values()][0]!;
  t.deepEqual(req.trailers, [['x-client-trailer', 'yes']]);
  uncaught.check(t);
});

test('h2 interop server - RST_STREAM from the client reaches the handler as onReset', async (t) => {
  const { client, server } = await setup(t);
  const req = client.request({ ':method': 'POST', ':path': '/slow', 'content-type': 'application/grpc', 'x-mode': 'hold' });
  req.on('error', () => {});
  req.write(grpcMessage(10));
  await new Promise((r) => req.once('response', r));
  req.close(http2.constants.NGHTTP2_CANCEL);
  const deadline = Date.now() + 3000;
  while (server().requests.get(1)?.reset === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  t.is(server().requests.get(1)?.reset, ErrorCode.CANCEL);
  t.is(server().conns[0]!.activeStreams, 0);
  const again = await nodeCall(client, { ':path': '/after' }, grpcMessage(1));
  t.is(again.trailers?.['grpc-status'], '0', 'the connection carries on');
  uncaught.check(t);
});

test('h2 interop server - large header lists cross in HEADERS + CONTINUATION both ways', async (t) => {
  const { client, server } = await setup(t);
  const big = 'q'.repeat(40_000);
  const r = await nodeCall(client, { ':path': '/big', 'x-mode': 'big-headers', 'x-size': '40000', 'x-big-request': big }, grpcMessage(1));
  t.is(r.status, 200);
  t.is(String(r.headers['x-big']).length, 40_000);
  t.is(String(r.trailers?.['x-big-trailer']).length, 40_000);
  const req = [...server().requests.values()][0]!;
  t.is(req.headers.find(([n]) => n === 'x-big-request')?.[1], big);
  uncaught.check(t);
});

test('h2 interop server - a 16 MiB upload to a slow consumer: flow control holds the client within the windows we granted', async (t) => {
  const streamWindow = 256 * 1024;
  const connectionWindow = 1024 * 1024;
  const { client, server } = await setup(t, { settings: { initialWindowSize: streamWindow }, connectionWindow });
  const body = Buffer.alloc(16 * 1024 * 1024, 7);
  const started = Date.now();
  const r = await nodeCall(client, { ':path': '/upload', 'x-mode': 'sink', 'x-consume-per-tick': String(256 * 1024) }, body);
  const took = Date.now() - started;
  t.is(r.trailers?.['x-received'], String(body.length));
  const meter = server().meter;
  t.true(meter.maxStream <= streamWindow, `buffered ${meter.maxStream} > stream window ${streamWindow}`);
  t.true(meter.maxTotal <= connectionWindow);
  t.true(meter.maxStream >= streamWindow / 2, `the consumer was the bottleneck (buffered up to ${meter.maxStream})`);
  // 64 ticks of 5 ms at least: the client went no faster than we consumed.
  t.true(took >= 64 * 5, `took ${took} ms`);
  uncaught.check(t);
});

test('h2 interop server - a 16 MiB download to a client that reads slowly arrives intact', async (t) => {
  const { client } = await setup(t, {}, { settings: { initialWindowSize: 128 * 1024 } });
  const req = client.request({ ':method': 'POST', ':path': '/download', 'content-type': 'application/grpc', 'x-mode': 'download', 'x-size': String(16 * 1024 * 1024) });
  req.end();
  const hash = createHash('sha256');
  let n = 0;
  let paused = false;
  req.on('data', (c: Buffer) => {
    hash.update(c);
    n += c.length;
    if (!paused && n > 4 * 1024 * 1024) {
      paused = true;
      req.pause();
      setTimeout(() => req.resume(), 300);
    }
  });
  const trailers = await new Promise<http2.IncomingHttpHeaders>((resolve) => req.on('trailers', resolve));
  await new Promise((r) => req.on('close', r));
  t.is(n, 16 * 1024 * 1024);
  t.is(hash.digest('hex'), createHash('sha256').update(Buffer.alloc(16 * 1024 * 1024, 0x61)).digest('hex'));
  t.is(trailers['grpc-status'], '0');
  uncaught.check(t);
});

test('h2 interop server - 500 concurrent streams on one connection', async (t) => {
  const { client, server } = await setup(t);
  const calls = Array.from({ length: 500 }, (_, i) => nodeCall(client, { ':path': `/c/${i}` }, grpcMessage(100, i % 256)));
  const results = await Promise.all(calls);
  t.true(results.every((r, i) => r.trailers?.['grpc-status'] === '0' && r.data.equals(grpcMessage(100, i % 256))));
  t.is(server().requests.size, 500);
  t.is(server().conns.length, 1);
  uncaught.check(t);
});

test('h2 interop server - goaway() lets the open call finish, then the connection closes', async (t) => {
  const { client, server } = await setup(t);
  const req = client.request({ ':method': 'POST', ':path': '/long', 'content-type': 'application/grpc' });
  req.write(grpcMessage(10));
  await new Promise((r) => req.once('response', r));
  const goaway = new Promise<number>((resolve) => client.once('goaway', (code) => resolve(code)));
  server().conns[0]!.goaway();
  t.is(await goaway, http2.constants.NGHTTP2_NO_ERROR);
  const trailers = new Promise<http2.IncomingHttpHeaders>((resolve) => req.on('trailers', resolve));
  req.on('data', () => {});
  req.end(grpcMessage(10));
  t.is((await trailers)['grpc-status'], '0');
  await server().conns[0]!.closed;
  t.deepEqual(server().closeErrors, [undefined]);
  uncaught.check(t);
});
