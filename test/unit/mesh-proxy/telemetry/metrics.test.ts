import test from 'ava';
import { register as globalRegistry, Registry } from 'prom-client';
import { DURATION_BUCKETS_SECONDS, ProxyMetrics } from '../../../../mesh-proxy/src/telemetry/index.js';

/** The value of one sample in Prometheus text, by metric name and exact label set (in any order). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-z_:]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...(m[2] ?? '').matchAll(/([a-z_]+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1]!, x[2]!]));
    const want = Object.entries(labels);
    if (want.length === Object.keys(got).length && want.every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return undefined;
}

test('metrics - a request recorded through a handle shows in requests_total, the histogram and active_streams', async (t) => {
  const m = new ProxyMetrics();
  const out = m.requests('outbound', 'inventory');
  out.started();
  out.started();
  out.finished(0, 0.0003);
  out.finished(14, 0.2);
  out.started();
  const text = await m.metrics();
  t.is(sample(text, 'meshproxy_requests_total', { direction: 'outbound', upstream: 'inventory', grpc_code: 'OK' }), 1);
  t.is(sample(text, 'meshproxy_requests_total', { direction: 'outbound', upstream: 'inventory', grpc_code: 'UNAVAILABLE' }), 1);
  t.is(sample(text, 'meshproxy_active_streams', { direction: 'outbound', upstream: 'inventory' }), 1);
  const h = { direction: 'outbound', upstream: 'inventory' };
  t.is(sample(text, 'meshproxy_request_duration_seconds_bucket', { ...h, le: '0.0001' }), 0);
  t.is(sample(text, 'meshproxy_request_duration_seconds_bucket', { ...h, le: '0.0005' }), 1);
  t.is(sample(text, 'meshproxy_request_duration_seconds_bucket', { ...h, le: '0.25' }), 2, 'cumulative');
  t.is(sample(text, 'meshproxy_request_duration_seconds_bucket', { ...h, le: '+Inf' }), 2);
  t.is(sample(text, 'meshproxy_request_duration_seconds_count', h), 2);
  t.is(sample(text, 'meshproxy_request_duration_seconds_sum', h), 0.2003);
  t.regex(text, /# TYPE meshproxy_request_duration_seconds histogram/);
  t.regex(text, /# TYPE meshproxy_requests_total counter/);
  t.regex(text, /# TYPE meshproxy_active_streams gauge/);
});

test('metrics - buckets cover 50 µs to 10 s; a value on a bound counts in that bucket; above 10 s only in +Inf', async (t) => {
  t.is(DURATION_BUCKETS_SECONDS[0], 0.00005);
  t.is(DURATION_BUCKETS_SECONDS.at(-1), 10);
  const m = new ProxyMetrics();
  const r = m.requests('inbound', 'orders');
  r.finished(0, 0.00005);
  r.finished(0, 30);
  const text = await m.metrics();
  const h = { direction: 'inbound', upstream: 'orders' };
  t.is(sample(text, 'meshproxy_request_duration_seconds_bucket', { ...h, le: '0.00005' }), 1);
  t.is(sample(text, 'meshproxy_request_duration_seconds_bucket', { ...h, le: '10' }), 1);
  t.is(sample(text, 'meshproxy_request_duration_seconds_bucket', { ...h, le: '+Inf' }), 2);
});

test('metrics - gRPC codes are labelled by name; out-of-range codes count as UNKNOWN', async (t) => {
  const m = new ProxyMetrics();
  const r = m.requests('inbound', 'orders');
  r.finished(4, 1);
  r.finished(99, 1);
  r.finished(-1, 1);
  const text = await m.metrics();
  t.is(sample(text, 'meshproxy_requests_total', { direction: 'inbound', upstream: 'orders', grpc_code: 'DEADLINE_EXCEEDED' }), 1);
  t.is(sample(text, 'meshproxy_requests_total', { direction: 'inbound', upstream: 'orders', grpc_code: 'UNKNOWN' }), 2);
});

test('metrics - upstream policy metrics and connections', async (t) => {
  const m = new ProxyMetrics();
  const u = m.upstream('inventory');
  u.retried();
  u.retried();
  u.retryRefused('budget');
  u.retryRefused('deadline');
  u.retryRefused('budget');
  u.ejected();
  u.shed('max_pending');
  u.endpoints('healthy', 3);
  u.endpoints('ejected', 1);
  u.endpoints('healthy', 2);
  u.stale(true);
  const c = m.connection('outbound', 'upstream');
  c.opened();
  c.opened();
  c.closed();
  const text = await m.metrics();
  t.is(sample(text, 'meshproxy_retries_total', { upstream: 'inventory' }), 2);
  t.is(sample(text, 'meshproxy_retries_refused_total', { upstream: 'inventory', reason: 'budget' }), 2);
  t.is(sample(text, 'meshproxy_retries_refused_total', { upstream: 'inventory', reason: 'deadline' }), 1);
  t.is(sample(text, 'meshproxy_endpoint_ejections_total', { upstream: 'inventory' }), 1);
  t.is(sample(text, 'meshproxy_requests_shed_total', { upstream: 'inventory', reason: 'max_pending' }), 1);
  t.is(sample(text, 'meshproxy_endpoints', { upstream: 'inventory', state: 'healthy' }), 2);
  t.is(sample(text, 'meshproxy_endpoints', { upstream: 'inventory', state: 'ejected' }), 1);
  t.is(sample(text, 'meshproxy_discovery_stale', { upstream: 'inventory' }), 1);
  t.is(sample(text, 'meshproxy_connections', { direction: 'outbound', peer: 'upstream' }), 1);
  u.stale(false);
  t.is(sample(await m.metrics(), 'meshproxy_discovery_stale', { upstream: 'inventory' }), 0);
});

test('metrics - handles are cached; scraping twice does not double counters', async (t) => {
  const m = new ProxyMetrics();
  t.is(m.requests('outbound', 'a'), m.requests('outbound', 'a'));
  t.not(m.requests('outbound', 'a'), m.requests('inbound', 'a'));
  t.is(m.upstream('a'), m.upstream('a'));
  m.requests('outbound', 'a').finished(0, 0.001);
  m.upstream('a').retried();
  await m.metrics();
  const text = await m.metrics();
  t.is(sample(text, 'meshproxy_requests_total', { direction: 'outbound', upstream: 'a', grpc_code: 'OK' }), 1);
  t.is(sample(text, 'meshproxy_retries_total', { upstream: 'a' }), 1);
});

test("metrics - its own registry: nothing in prom-client's global one, and two instances do not clash", async (t) => {
  const a = new ProxyMetrics();
  const b = new ProxyMetrics();
  a.upstream('x').retried();
  t.is(sample(await b.metrics(), 'meshproxy_retries_total', { upstream: 'x' }), undefined);
  t.false((await globalRegistry.metrics()).includes('meshproxy_'));
  t.not(a.registry, globalRegistry);
});

test('metrics - default labels go on every series, histogram included; a given registry is used', async (t) => {
  const registry = new Registry();
  const m = new ProxyMetrics({ registry, defaultLabels: { service: 'orders' } });
  t.is(m.registry, registry);
  m.requests('inbound', 'orders').finished(0, 0.001);
  const text = await registry.metrics();
  t.is(sample(text, 'meshproxy_requests_total', { direction: 'inbound', upstream: 'orders', grpc_code: 'OK', service: 'orders' }), 1);
  t.is(sample(text, 'meshproxy_request_duration_seconds_count', { direction: 'inbound', upstream: 'orders', service: 'orders' }), 1);
});
