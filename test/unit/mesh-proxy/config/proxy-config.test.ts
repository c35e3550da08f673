import test from 'ava';
import { ConfigError, DEFAULT_UPSTREAM_POLICIES, parseProxyConfig, type ProxyConfig } from '../../../../mesh-proxy/src/config/index.js';
import type { SidecarRegistration } from '../../../../mesh-proxy/src/discovery/index.js';

function registration(upstreamConfig: Record<string, unknown> = {}, config: Record<string, unknown> = {}): SidecarRegistration {
  return {
    proxyId: 'orders-1-sidecar-proxy',
    proxyName: 'orders-sidecar-proxy',
    address: '127.0.0.1',
    port: 21000,
    destinationServiceName: 'orders',
    destinationServiceId: 'orders-1',
    localServiceAddress: '127.0.0.1',
    localServicePort: 50051,
    upstreams: [
      { destinationName: 'inventory', destinationType: 'service', datacenter: undefined, localBindAddress: '127.0.0.1', localBindPort: 9191, config: upstreamConfig },
      { destinationName: 'payments', destinationType: 'service', datacenter: 'dc2', localBindAddress: '127.0.0.1', localBindPort: 9192, config: {} },
    ],
    config,
  };
}

const parse = (upstream: Record<string, unknown> = {}, config: Record<string, unknown> = {}): ProxyConfig =>
  parseProxyConfig(registration(upstream, config), { adminPort: 19000 });

/** The message parseProxyConfig throws, for the inventory upstream's Config. */
function upstreamError(t: { throws: (fn: () => unknown, e: object) => unknown }, config: Record<string, unknown>, message: string) {
  t.throws(() => parse(config), { instanceOf: ConfigError, message });
}

test('proxy config - defaults for every upstream and the inbound side', (t) => {
  const c = parse();
  t.deepEqual(c.inbound, {
    bindAddress: '127.0.0.1',
    bindPort: 21000,
    localServiceAddress: '127.0.0.1',
    localServicePort: 50051,
    localConnectTimeoutMs: 1000,
    limits: { maxActive: 1024, maxPending: 1024 },
    shutdownGraceMs: 10_000,
  });
  t.deepEqual(c.upstreams[0], {
    name: 'inventory',
    datacenter: undefined,
    bindAddress: '127.0.0.1',
    bindPort: 9191,
    balancer: 'weighted_round_robin',
    connectTimeoutMs: 1000,
    requestTimeoutMs: 0,
    retry: {
      numRetries: 2,
      retryOn: [14],
      retryOnConnectFailure: true,
      retryOnRefusedStream: true,
      retryOnReset: true,
      backoffBaseMs: 25,
      backoffMaxMs: 250,
      maxReplayBytes: 65_536,
      budgetRatio: 0.2,
      budgetMinConcurrency: 3,
    },
    outlier: { consecutiveFailures: 5, baseEjectionMs: 10_000, maxEjectionMs: 300_000, maxEjectionPercent: 50 },
    limits: { maxActive: 1024, maxPending: 1024 },
  });
  t.like(c, { proxyId: 'orders-1-sidecar-proxy', proxyName: 'orders-sidecar-proxy', service: { name: 'orders', id: 'orders-1' }, admin: { port: 19000 } });
  t.like(c.upstreams[1], { name: 'payments', datacenter: 'dc2', bindPort: 9192 });
});

test('proxy config - the snapshot is deeply frozen', (t) => {
  const c = parse();
  t.true(Object.isFrozen(c) && Object.isFrozen(c.upstreams) && Object.isFrozen(c.upstreams[0]!.retry.retryOn) && Object.isFrozen(c.inbound.limits));
  t.throws(() => {
    (c.upstreams[0]!.retry as { numRetries: number }).numRetries = 9;
  });
});

test('proxy config - every upstream setting can be overridden', (t) => {
  const overrides = {
    balancer: 'least_request',
    connectTimeoutMs: 250,
    requestTimeoutMs: 5000,
    retry: {
      numRetries: 4,
      retryOn: ['UNAVAILABLE', 8, 'RESOURCE_EXHAUSTED', 'ABORTED'],
      retryOnConnectFailure: false,
      retryOnRefusedStream: false,
      retryOnReset: false,
      backoffBaseMs: 10,
      backoffMaxMs: 1000,
      maxReplayBytes: 0,
      budgetRatio: 0.5,
      budgetMinConcurrency: 0,
    },
    outlier: { consecutiveFailures: 3, baseEjectionMs: 1000, maxEjectionMs: 60_000, maxEjectionPercent: 100 },
    limits: { maxActive: 10, maxPending: 0 },
  };
  const { name: _n, datacenter: _d, bindAddress: _a, bindPort: _p, ...policies } = parse(overrides).upstreams[0]!;
  t.deepEqual(policies, { ...overrides, retry: { ...overrides.retry, retryOn: [8, 10, 14] } }, 'codes by name or number, deduplicated, sorted');
  t.deepEqual(parse({ balancer: 'round_robin' }).upstreams[0]!.balancer, 'round_robin');
});

test('proxy config - a partial nested object keeps the other defaults', (t) => {
  const u = parse({ retry: { numRetries: 0 }, outlier: { consecutiveFailures: 1 } }).upstreams[0]!;
  t.deepEqual(u.retry, { ...DEFAULT_UPSTREAM_POLICIES.retry, numRetries: 0 });
  t.deepEqual(u.outlier, { ...DEFAULT_UPSTREAM_POLICIES.outlier, consecutiveFailures: 1 });
});

test('proxy config - every inbound setting can be overridden', (t) => {
  const c = parse({}, { localConnectTimeoutMs: 200, limits: { maxActive: 5, maxPending: 7 }, shutdownGraceMs: 0 });
  t.like(c.inbound, { localConnectTimeoutMs: 200, limits: { maxActive: 5, maxPending: 7 }, shutdownGraceMs: 0 });
});

test('proxy config - bad values name the upstream and the property path', (t) => {
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ retry: { numRetries: 'x' } }, 'upstreams[inventory].retry.numRetries: expected an integer from 0 to 10, got "x"'],
    [{ retry: { numRetries: -1 } }, 'upstreams[inventory].retry.numRetries: expected an integer from 0 to 10, got -1'],
    [{ retry: { numRetries: 1.5 } }, 'upstreams[inventory].retry.numRetries: expected an integer from 0 to 10, got 1.5'],
    [{ balancer: 'random' }, 'upstreams[inventory].balancer: expected one of "weighted_round_robin", "round_robin", "least_request", got "random"'],
    [{ connectTimeoutMs: 0 }, 'upstreams[inventory].connectTimeoutMs: expected an integer from 1 to 86400000, got 0'],
    [{ connectTimeoutMs: '1s' }, 'upstreams[inventory].connectTimeoutMs: expected an integer from 1 to 86400000, got "1s"'],
    [{ requestTimeoutMs: -5 }, 'upstreams[inventory].requestTimeoutMs: expected an integer from 0 to 86400000, got -5'],
    [{ retry: { retryOn: 'UNAVAILABLE' } }, 'upstreams[inventory].retry.retryOn: expected a list of gRPC status codes, got "UNAVAILABLE"'],
    [{ retry: { retryOn: [14, 'unavailable'] } }, 'upstreams[inventory].retry.retryOn[1]: expected a gRPC status code (0-16 or a name like "UNAVAILABLE"), got "unavailable"'],
    [{ retry: { retryOn: [17] } }, 'upstreams[inventory].retry.retryOn[0]: expected a gRPC status code (0-16 or a name like "UNAVAILABLE"), got 17'],
    [{ retry: { retryOn: ['OK'] } }, 'upstreams[inventory].retry.retryOn: OK (0) is not a failure and cannot be retried on'],
    [{ retry: { retryOnReset: 'yes' } }, 'upstreams[inventory].retry.retryOnReset: expected true or false, got "yes"'],
    [{ retry: { budgetRatio: 1.5 } }, 'upstreams[inventory].retry.budgetRatio: expected a number from 0 to 1, got 1.5'],
    [{ retry: { backoffBaseMs: 500, backoffMaxMs: 100 } }, 'upstreams[inventory].retry.backoffBaseMs: must not exceed backoffMaxMs (100), got 500'],
    [{ retry: { maxReplayBytes: -1 } }, 'upstreams[inventory].retry.maxReplayBytes: expected a non-negative integer, got -1'],
    [{ outlier: { maxEjectionPercent: 101 } }, 'upstreams[inventory].outlier.maxEjectionPercent: expected an integer from 0 to 100, got 101'],
    [{ outlier: { consecutiveFailures: 0 } }, 'upstreams[inventory].outlier.consecutiveFailures: expected a positive integer, got 0'],
    [{ outlier: { baseEjectionMs: 20_000, maxEjectionMs: 10_000 } }, 'upstreams[inventory].outlier.baseEjectionMs: must not exceed maxEjectionMs (10000), got 20000'],
    [{ limits: { maxActive: 0 } }, 'upstreams[inventory].limits.maxActive: expected a positive integer, got 0'],
    [{ limits: 5 }, 'upstreams[inventory].limits: expected an object, got 5'],
    [{ retry: [] }, 'upstreams[inventory].retry: expected an object, got []'],
  ];
  for (const [config, message] of cases) upstreamError(t, config, message);
});

test('proxy config - unknown keys are rejected with their names; snake_case gets a hint', (t) => {
  upstreamError(
    t,
    { retries: 3, timeout: 1 },
    'upstreams[inventory]: unknown keys "retries", "timeout" (known: balancer, connectTimeoutMs, requestTimeoutMs, retry, outlier, limits)',
  );
  upstreamError(
    t,
    { retry: { num_retries: 3 } },
    'upstreams[inventory].retry: unknown key "num_retries" (did you mean "numRetries"?) (known: numRetries, retryOn, retryOnConnectFailure, retryOnRefusedStream, retryOnReset, backoffBaseMs, backoffMaxMs, maxReplayBytes, budgetRatio, budgetMinConcurrency)',
  );
  t.throws(() => parse({}, { shutdown_grace_ms: 1 }), { message: /^config: unknown key "shutdown_grace_ms" \(did you mean "shutdownGraceMs"\?\)/ });
  t.throws(() => parse({}, { limits: { maxConnections: 1 } }), { message: /^config\.limits: unknown key "maxConnections"/ });
});

test('proxy config - keys Consul central config or Envoy put in Config are ignored, not rejected', (t) => {
  t.notThrows(() => parse({ protocol: 'grpc', envoy_cluster_json: '{}' }, { protocol: 'grpc', envoy_prometheus_bind_addr: '0.0.0.0:9102' }));
});

test('proxy config - inbound bad values name the property', (t) => {
  t.throws(() => parse({}, { shutdownGraceMs: 'soon' }), { instanceOf: ConfigError, message: 'config.shutdownGraceMs: expected an integer from 0 to 86400000, got "soon"' });
  t.throws(() => parse({}, { localConnectTimeoutMs: 0 }), { message: 'config.localConnectTimeoutMs: expected an integer from 1 to 86400000, got 0' });
  t.throws(() => parse({}, { limits: { maxPending: -1 } }), { message: 'config.limits.maxPending: expected a non-negative integer, got -1' });
});

test('proxy config - an upstream declared twice, and a bad admin port, are errors', (t) => {
  const reg = registration();
  const twice = { ...reg, upstreams: [reg.upstreams[0]!, { ...reg.upstreams[0]!, localBindPort: 9999 }] };
  t.throws(() => parseProxyConfig(twice, { adminPort: 0 }), { message: 'upstreams[inventory]: declared more than once: which settings apply would be ambiguous' });
  t.throws(() => parseProxyConfig(reg, { adminPort: 70000 }), { message: 'adminPort: expected a port from 0 to 65535, got 70000' });
  t.is(parseProxyConfig(reg, { adminPort: 0 }).admin.port, 0);
});

test('proxy config - the snapshot is plain JSON (for /config)', (t) => {
  const c = parse({ retry: { retryOn: ['UNAVAILABLE', 'ABORTED'] } });
  t.deepEqual(JSON.parse(JSON.stringify(c)).upstreams[0].retry.retryOn, [10, 14]);
});
