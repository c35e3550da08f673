import test from 'ava';
import { Registry } from 'prom-client';
import { startAdminServer, type AdminServerOptions, type Readiness } from '../../../../mesh-proxy/src/admin/index.js';
import { ProxyMetrics } from '../../../../mesh-proxy/src/telemetry/index.js';

async function server(t: { teardown(fn: () => Promise<void>): void }, overrides: Partial<AdminServerOptions> = {}) {
  const metrics = new ProxyMetrics();
  metrics.requests('outbound', 'inventory').finished(0, 0.002);
  let readiness: Readiness = true;
  const admin = await startAdminServer({
    port: 0,
    metrics: metrics.registry,
    ready: () => readiness,
    clusters: () => ({ inventory: { endpoints: [{ id: 'inventory-a-sidecar-proxy', weight: 2 }], retryOn: new Set([14]) } }),
    config: () => ({ proxyId: 'orders-1-sidecar-proxy' }),
    ...overrides,
  });
  t.teardown(() => admin.close());
  return { admin, setReady: (r: Readiness) => (readiness = r) };
}

async function get(port: number, path: string, method = 'GET') {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { method });
  return { status: res.status, type: res.headers.get('content-type'), allow: res.headers.get('allow'), body: await res.text() };
}

test('admin - /metrics serves the registry in Prometheus text format with its content type', async (t) => {
  const { admin } = await server(t);
  const res = await get(admin.port, '/metrics');
  t.is(res.status, 200);
  t.is(res.type, 'text/plain; version=0.0.4; charset=utf-8');
  t.regex(res.body, /^meshproxy_requests_total\{direction="outbound",upstream="inventory",grpc_code="OK"\} 1$/m);
  t.regex(res.body, /^meshproxy_request_duration_seconds_count\{direction="outbound",upstream="inventory"\} 1$/m);
});

test('admin - /ready: 200 "ready", or 503 with the reasons', async (t) => {
  const { admin, setReady } = await server(t);
  t.like(await get(admin.port, '/ready'), { status: 200, body: 'ready\n' });
  setReady({ ready: false, reasons: ['upstream inventory: no endpoints yet', 'no leaf certificate'] });
  t.like(await get(admin.port, '/ready'), { status: 503, body: 'not ready\n- upstream inventory: no endpoints yet\n- no leaf certificate\n' });
  setReady(false);
  t.like(await get(admin.port, '/ready'), { status: 503, body: 'not ready\n' });
  setReady({ ready: true, reasons: [] });
  t.is((await get(admin.port, '/ready')).status, 200);
});

test('admin - /clusters and /config answer pretty JSON (sets as arrays)', async (t) => {
  const { admin } = await server(t);
  const clusters = await get(admin.port, '/clusters');
  t.is(clusters.type, 'application/json; charset=utf-8');
  t.deepEqual(JSON.parse(clusters.body), { inventory: { endpoints: [{ id: 'inventory-a-sidecar-proxy', weight: 2 }], retryOn: [14] } });
  t.true(clusters.body.includes('\n  "inventory"'), 'indented');
  t.deepEqual(JSON.parse((await get(admin.port, '/config?x=1')).body), { proxyId: 'orders-1-sidecar-proxy' });
});

test('admin - / lists the endpoints; an unknown path is a JSON 404', async (t) => {
  const { admin } = await server(t);
  const index = JSON.parse((await get(admin.port, '/')).body) as { endpoints: Record<string, string> };
  t.deepEqual(Object.keys(index.endpoints), ['/metrics', '/ready', '/clusters', '/config']);
  const missing = await get(admin.port, '/nope');
  t.is(missing.status, 404);
  t.is(missing.type, 'application/json; charset=utf-8');
  t.like(JSON.parse(missing.body), { error: 'not found', path: '/nope' });
  t.is((await get(admin.port, '/constructor')).status, 404, 'no prototype lookups');
});

test('admin - methods other than GET/HEAD are 405 with Allow', async (t) => {
  const { admin } = await server(t);
  for (const method of ['POST', 'PUT', 'DELETE']) {
    const res = await get(admin.port, '/metrics', method);
    t.is(res.status, 405);
    t.is(res.allow, 'GET, HEAD');
    t.like(JSON.parse(res.body), { error: 'method not allowed', method });
  }
  const head = await get(admin.port, '/ready', 'HEAD');
  t.like(head, { status: 200, body: '' });
});

test('admin - a snapshot that throws is a 500 naming the path', async (t) => {
  const { admin } = await server(t, {
    clusters: () => {
      throw new Error('balancer not ready');
    },
  });
  const res = await get(admin.port, '/clusters');
  t.is(res.status, 500);
  t.deepEqual(JSON.parse(res.body), { error: '/clusters failed', message: 'balancer not ready' });
});

test('admin - close() frees the port promptly even with an idle keep-alive client', async (t) => {
  const admin = await startAdminServer({ port: 0, metrics: new Registry(), ready: () => true, clusters: () => ({}), config: () => ({}) });
  // fetch (undici) keeps the connection open for reuse: close() must not wait for it to time out.
  t.is((await fetch(`http://127.0.0.1:${admin.port}/ready`)).status, 200);
  const started = Date.now();
  await admin.close();
  t.true(Date.now() - started < 1000);
  await t.throwsAsync(fetch(`http://127.0.0.1:${admin.port}/ready`));
  await admin.close(); // idempotent
});

test('admin - a port in use fails start-up with the address', async (t) => {
  const first = await startAdminServer({ port: 0, metrics: new Registry(), ready: () => true, clusters: () => ({}), config: () => ({}) });
  t.teardown(() => first.close());
  await t.throwsAsync(startAdminServer({ port: first.port, metrics: new Registry(), ready: () => true, clusters: () => ({}), config: () => ({}) }), {
    message: new RegExp(`^admin server: cannot listen on 127\\.0\\.0\\.1:${first.port}: .*EADDRINUSE`),
  });
});
