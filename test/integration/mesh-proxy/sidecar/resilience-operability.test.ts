// What an operator sees and does: /ready, /config, /clusters, the per-upstream limits that shed load,
// and SIGTERM draining a sidecar's calls in flight before it exits 0.
//
// Service `slow` has two instances (grpc-js echo backends in this process, each behind its sidecar process).
// Callers, each a sidecar process with one upstream `slow`:
//   caller-ops    policies in its upstream Config: least_request, 3 retries, limits maxActive 2 / maxPending 0
//   caller-queue  limits maxActive 1 / maxPending 2
//   caller-drain  default policies; SIGTERMed by the last test
//   gated-1       reaches Consul through a gate that holds discovery queries until the test opens it
import { status } from '@grpc/grpc-js';
import test from 'ava';
import { request, createServer, type Server } from 'node:http';
import { freePort } from '../../../../scripts/servers/index.js';
import { EchoClient } from '../../../support/echo/echo-client.js';
import { startEchoServer } from '../../../support/echo/echo-server.js';
import { eventually } from '../../../support/eventually.js';
import { codeName } from '../../../support/load.js';
import { clusterOf, metric } from '../../../support/mesh-admin.js';
import { registerInstance, startSidecar, waitForClusterEndpoints, type SidecarProcess } from '../../../support/mesh.js';
import { useServers } from '../../../support/servers.js';

const servers = useServers(test, { consul: true });

type Echo = Awaited<ReturnType<typeof startEchoServer>>;

const OPS_CONFIG = { balancer: 'least_request', retry: { numRetries: 3 }, limits: { maxActive: 2, maxPending: 0 } };

interface ConsulGate {
  /** http://127.0.0.1:PORT, to use as the sidecar's CONSUL_HTTP_ADDR. */
  addr: string;
  /** Lets the held discovery queries (and every later one) through. */
  open(): void;
  close(): Promise<void>;
}

/** An HTTP proxy to Consul that holds /v1/health/connect/ queries (discovery) until open(): the rest goes through. */
async function startConsulGate(consulAddr: string): Promise<ConsulGate> {
  const target = new URL(consulAddr);
  const held: Array<() => void> = [];
  let opened = false;
  const server: Server = createServer((req, res) => {
    const forward = () => {
      const up = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      up.on('error', () => res.destroy());
      req.pipe(up);
    };
    if (!opened && req.url?.startsWith('/v1/health/connect/')) held.push(forward);
    else forward();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    addr: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    open: () => {
      opened = true;
      for (const forward of held.splice(0)) forward();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

interface Mesh {
  backends: [Echo, Echo];
  slow: [SidecarProcess, SidecarProcess];
  ops: { sidecar: SidecarProcess; app: EchoClient };
  queue: { sidecar: SidecarProcess; app: EchoClient };
  drain: { sidecar: SidecarProcess; app: EchoClient };
  gated: { sidecar: SidecarProcess; gate: ConsulGate };
}

let mesh: Mesh | undefined;
const stops: Array<() => Promise<unknown>> = [];

test.serial.before(async () => {
  const { consul } = servers();
  const backends = (await Promise.all([startEchoServer(), startEchoServer()])) as [Echo, Echo];
  stops.push(...backends.map((b) => () => b.stop()));
  const [opsPort, queuePort, drainPort, gatedPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  await Promise.all([
    registerInstance(consul, { name: 'slow', instance: 'a', port: backends[0].port }),
    registerInstance(consul, { name: 'slow', instance: 'b', port: backends[1].port }),
    registerInstance(consul, { name: 'caller', instance: 'ops', port: 1, upstreams: [{ destinationName: 'slow', localBindPort: opsPort, config: OPS_CONFIG }] }),
    registerInstance(consul, { name: 'caller', instance: 'queue', port: 1, upstreams: [{ destinationName: 'slow', localBindPort: queuePort, config: { limits: { maxActive: 1, maxPending: 2 } } }] }),
    registerInstance(consul, { name: 'caller', instance: 'drain', port: 1, upstreams: [{ destinationName: 'slow', localBindPort: drainPort }] }),
    registerInstance(consul, { name: 'gated', instance: '1', port: 1, upstreams: [{ destinationName: 'slow', localBindPort: gatedPort }] }),
  ]);
  const gate = await startConsulGate(consul.httpAddr);
  stops.push(() => gate.close());
  const sidecars = await Promise.all([
    ...['slow-a', 'slow-b', 'caller-ops', 'caller-queue', 'caller-drain'].map((id) => startSidecar(consul, id)),
    startSidecar(consul, 'gated-1', { env: { CONSUL_HTTP_ADDR: gate.addr } }),
  ]);
  stops.push(...sidecars.map((s) => () => s.stop()));
  const [slowA, slowB, ops, queue, drain, gated] = sidecars as [SidecarProcess, SidecarProcess, SidecarProcess, SidecarProcess, SidecarProcess, SidecarProcess];
  await Promise.all([ops, queue, drain].map((s) => waitForClusterEndpoints(s, 'slow', 2)));
  const app = (port: number) => {
    const client = new EchoClient(`127.0.0.1:${port}`);
    stops.push(async () => client.close());
    return client;
  };
  mesh = {
    backends,
    slow: [slowA, slowB],
    ops: { sidecar: ops, app: app(opsPort) },
    queue: { sidecar: queue, app: app(queuePort) },
    drain: { sidecar: drain, app: app(drainPort) },
    gated: { sidecar: gated, gate },
  };
});

test.after.always(async () => {
  await Promise.allSettled(stops.reverse().map((stop) => stop()));
});

/** The gRPC code a call ended with, its message, and when it ended (ms after `since`). */
async function outcome(call: Promise<unknown>, since = performance.now()): Promise<{ code: number; message: string; ms: number }> {
  try {
    await call;
    return { code: status.OK, message: '', ms: performance.now() - since };
  } catch (err) {
    const e = err as { code: number; details: string };
    return { code: e.code, message: e.details, ms: performance.now() - since };
  }
}

/** Waits for a process's exit; resolves with how it ended and how long that took. */
async function exitOf(sidecar: SidecarProcess, since: number, timeoutMs: number): Promise<{ reason: string; ms: number }> {
  const reason = await eventually(() => sidecar.exitReason(), timeoutMs, `${sidecar.serviceId}'s sidecar to exit`);
  return { reason, ms: performance.now() - since };
}

test.serial('operability - /ready answers 503 until discovery has answered for every upstream, then 200', async (t) => {
  const { sidecar, gate } = mesh!.gated;
  const before = await sidecar.admin('/ready');
  t.is(before.status, 503);
  t.regex(before.body, /not ready\n- upstream slow: no answer from discovery yet/);
  await new Promise((r) => setTimeout(r, 300));
  t.is((await sidecar.admin('/ready')).status, 503, 'still not ready while discovery is held');

  gate.open();
  const after = await eventually(async () => {
    const r = await sidecar.admin('/ready');
    return r.status === 200 ? r : undefined;
  }, 5000, '/ready to answer 200');
  t.is(after.body, 'ready\n');
});

test.serial('operability - /config shows each upstream with its policies: those from Config and the defaults', async (t) => {
  const { sidecar } = mesh!.ops;
  const { status: code, body } = await sidecar.admin('/config');
  t.is(code, 200);
  const config = JSON.parse(body) as { service: { id: string }; upstreams: Array<Record<string, unknown>> };
  t.is(config.service.id, 'caller-ops');
  t.is(config.upstreams.length, 1);
  t.like(config.upstreams[0], {
    name: 'slow',
    bindAddress: '127.0.0.1',
    balancer: 'least_request',
    requestTimeoutMs: 0,
    retry: { numRetries: 3, retryOn: [14], retryOnConnectFailure: true, budgetRatio: 0.2, budgetMinConcurrency: 3 },
    outlier: { consecutiveFailures: 5, baseEjectionMs: 10_000, maxEjectionPercent: 50 },
    limits: { maxActive: 2, maxPending: 0 },
  });
});

test.serial('operability - /clusters shows endpoints with address, weight, outlier state and discovery state', async (t) => {
  const { ops } = mesh!;
  await ops.app.unary(Buffer.from('warm'), { timeoutMs: 5000 });
  const cluster = await clusterOf(ops.sidecar, 'slow');
  t.is(cluster.balancer, 'least_request');
  t.false(cluster.stale);
  t.false(cluster.discovery.stale);
  t.true(cluster.discovery.lastIndex > 0);
  t.is(cluster.discovery.lastError, null);
  t.deepEqual(cluster.limits, { active: 0, pending: 0, shedMaxActive: 0, shedMaxPending: 0, abandoned: 0 });
  t.deepEqual(
    cluster.endpoints.map((e) => e.serviceId),
    ['slow-a', 'slow-b'],
  );
  for (const e of cluster.endpoints) {
    t.regex(e.address, /^127\.0\.0\.1:\d+$/);
    t.is(e.weight, 1);
    t.is(e.id, `${e.serviceId}-sidecar-proxy`);
    t.like(e.outlier, { state: 'healthy', consecutiveFailures: 0 });
  }
  t.is(cluster.endpoints.reduce((n, e) => n + e.connections, 0), 1, 'one connection, to the endpoint of the warm-up call');
});

test.serial('limits - past maxActive (maxPending 0) calls fail fast with UNAVAILABLE naming the limit, counted as shed', async (t) => {
  const { sidecar, app } = mesh!.ops;
  const shedBefore = await metric(sidecar, 'meshproxy_requests_shed_total', { upstream: 'slow', reason: 'max_active' });
  const start = performance.now();
  // Two slow calls take both slots; eight more arrive while they run.
  const slow = [0, 1].map(() => outcome(app.unary(Buffer.from('slow'), { timeoutMs: 5000, metadata: { 'x-echo-delay-ms': '600' } }), start));
  await eventually(async () => ((await clusterOf(sidecar, 'slow')).limits.active === 2 ? true : undefined), 2000, 'both slots taken');
  const excess = await Promise.all(Array.from({ length: 8 }, () => outcome(app.unary(Buffer.from('more'), { timeoutMs: 5000 }))));

  for (const r of excess) {
    t.is(codeName(r.code), 'UNAVAILABLE');
    t.is(r.message, 'upstream slow overloaded: max_active limit 2 reached (mesh-proxy)');
    t.true(r.ms < 300, `shed after ${Math.round(r.ms)} ms`);
  }
  // Shed calls leave the retry budget's count of requests in flight as it was.
  t.is((await clusterOf(sidecar, 'slow')).retryBudget.activeRequests, 2);
  const done = await Promise.all(slow);
  t.deepEqual(done.map((r) => codeName(r.code)), ['OK', 'OK'], 'the calls holding the slots are not disturbed');
  t.is((await metric(sidecar, 'meshproxy_requests_shed_total', { upstream: 'slow', reason: 'max_active' })) - shedBefore, 8);
  t.is((await clusterOf(sidecar, 'slow')).limits.shedMaxActive, 8);
  // Shed calls never reached an instance, so they are not retried either.
  t.is(await metric(sidecar, 'meshproxy_retries_total', { upstream: 'slow' }), 0);
});

test.serial('limits - a call whose deadline passes while it waits for a slot leaves the queue (maxPending)', async (t) => {
  const { sidecar, app } = mesh!.queue;
  const start = performance.now();
  const holder = outcome(app.unary(Buffer.from('slow'), { timeoutMs: 5000, metadata: { 'x-echo-delay-ms': '1000' } }), start);
  await eventually(async () => ((await clusterOf(sidecar, 'slow')).limits.active === 1 ? true : undefined), 2000, 'the slot taken');
  // Two calls wait for the slot and give up after 200 ms...
  const impatient = await Promise.all([0, 1].map(() => outcome(app.unary(Buffer.from('impatient'), { timeoutMs: 200 }))));
  t.deepEqual(impatient.map((r) => codeName(r.code)), ['DEADLINE_EXCEEDED', 'DEADLINE_EXCEEDED']);
  // ...so the queue has room again for one that can wait.
  const patient = await outcome(app.unary(Buffer.from('patient'), { timeoutMs: 5000 }), start);
  const held = await holder;

  t.is(codeName(held.code), 'OK');
  t.is(codeName(patient.code), 'OK', patient.message);
  t.true(patient.ms >= held.ms, 'it got the slot when the first call gave it back');
  t.like((await clusterOf(sidecar, 'slow')).limits, { active: 0, pending: 0, shedMaxPending: 0, abandoned: 2 });
});

test.serial('drain - SIGTERM on an instance sidecar: its calls in flight finish, new calls go to the other, it exits 0', async (t) => {
  const { backends, slow, drain } = mesh!;
  const [victim] = slow;
  const servedBefore = backends.map((b) => b.stats.calls['Unary'] ?? 0);
  const inFlight = Array.from({ length: 6 }, (_, i) => outcome(drain.app.unary(Buffer.from(`long ${i}`), { timeoutMs: 10_000, metadata: { 'x-echo-delay-ms': '1500' } })));
  // Both instances have calls in flight (the default weighted round robin alternates).
  await eventually(() => (backends.every((b, i) => (b.stats.calls['Unary'] ?? 0) - servedBefore[i]! >= 3) ? true : undefined), 3000, 'calls in flight on both');

  const termAt = performance.now();
  process.kill(victim.pid, 'SIGTERM');
  await new Promise((r) => setTimeout(r, 200));
  t.is(victim.exitReason(), undefined, 'still draining');
  const during = await Promise.all(Array.from({ length: 10 }, (_, i) => outcome(drain.app.unary(Buffer.from(`new ${i}`), { timeoutMs: 5000 }))));
  t.deepEqual(during.map((r) => codeName(r.code)), Array(10).fill('OK'), `new calls succeed meanwhile: ${JSON.stringify(during)}`);

  const done = await Promise.all(inFlight);
  t.deepEqual(done.map((r) => codeName(r.code)), Array(6).fill('OK'), JSON.stringify(done));
  const exit = await exitOf(victim, termAt, 12_000);
  t.log(`instance sidecar exited (${exit.reason}) ${Math.round(exit.ms)} ms after SIGTERM, its calls in flight done`);
  t.is(exit.reason, 'exit code 0');
  t.true(exit.ms < 10_000, 'within the default shutdown grace (10 s)');
  t.is((backends[0].stats.calls['Unary'] ?? 0) - servedBefore[0]!, 3, 'no new call went to the draining instance');
});

test.serial('drain - SIGTERM on the caller sidecar: calls in flight finish, then it stops listening and exits 0', async (t) => {
  const { drain } = mesh!;
  const inFlight = Array.from({ length: 5 }, (_, i) => outcome(drain.app.unary(Buffer.from(`long ${i}`), { timeoutMs: 10_000, metadata: { 'x-echo-delay-ms': '1000' } })));
  await eventually(async () => ((await clusterOf(drain.sidecar, 'slow')).retryBudget.activeRequests >= 5 ? true : undefined), 3000, 'five calls in flight');

  const termAt = performance.now();
  process.kill(drain.sidecar.pid, 'SIGTERM');
  const done = await Promise.all(inFlight);
  t.deepEqual(done.map((r) => codeName(r.code)), Array(5).fill('OK'), JSON.stringify(done));
  const exit = await exitOf(drain.sidecar, termAt, 12_000);
  t.log(`caller sidecar exited (${exit.reason}) ${Math.round(exit.ms)} ms after SIGTERM`);
  t.is(exit.reason, 'exit code 0');
  t.true(exit.ms < 10_000, 'within the default shutdown grace (10 s)');
  const after = await outcome(drain.app.unary(Buffer.from('late'), { timeoutMs: 2000 }));
  t.is(codeName(after.code), 'UNAVAILABLE', 'nothing listens any more');
});
