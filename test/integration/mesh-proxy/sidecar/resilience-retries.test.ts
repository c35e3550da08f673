// Retries through real sidecar processes: a failed attempt goes to the other endpoint, never past the
// caller's deadline, only for retriable codes, and within the retry budget when every endpoint fails.
//
// Three upstreams of one caller, each a service of two instances with their own sidecars:
//   flaky     two grpc-js echo backends that fail on request (x-echo-status) after x-echo-delay-ms
//   halfdown  one grpc-js echo backend, and one instance whose app is down (its sidecar answers UNAVAILABLE)
//   outage    two instances whose apps are down
//   blackhole one instance whose "sidecar" accepts TCP connections and never answers (requestTimeoutMs 300)
import { status } from '@grpc/grpc-js';
import test from 'ava';
import { createServer, type Socket } from 'node:net';
import { freePort } from '../../../../scripts/servers/index.js';
import { EchoClient } from '../../../support/echo/echo-client.js';
import { startEchoServer } from '../../../support/echo/echo-server.js';
import { burst, codeName } from '../../../support/load.js';
import { clusterOf, metric } from '../../../support/mesh-admin.js';
import { registerInstance, startSidecar, waitForClusterEndpoints, type SidecarProcess } from '../../../support/mesh.js';
import { useServers } from '../../../support/servers.js';

const servers = useServers(test, { consul: true });

type Echo = Awaited<ReturnType<typeof startEchoServer>>;

interface Mesh {
  caller: SidecarProcess;
  sidecars: Map<string, SidecarProcess>;
  flaky: { backends: [Echo, Echo]; app: EchoClient };
  halfdown: { backend: Echo; app: EchoClient };
  outage: { app: EchoClient };
  blackhole: { app: EchoClient };
}

let mesh: Mesh | undefined;
const stops: Array<() => Promise<unknown>> = [];

test.serial.before(async () => {
  const { consul } = servers();
  const echoes = await Promise.all([startEchoServer(), startEchoServer(), startEchoServer()]);
  stops.push(...echoes.map((e) => () => e.stop()));
  const [flakyA, flakyB, up] = echoes as [Echo, Echo, Echo];
  // Nothing listens on these: the instances' sidecars find their app down.
  const [downPort, flakyPort, halfdownPort, outagePort, blackholePort] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
  // Accepts connections (so Consul's TCP check passes) and reads, but never writes a byte.
  const sockets = new Set<Socket>();
  const hole = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.resume();
  });
  await new Promise<void>((resolve) => hole.listen(0, '127.0.0.1', resolve));
  stops.push(() => new Promise((resolve) => {
    for (const socket of sockets) socket.destroy();
    hole.close(resolve);
  }));
  const instances = [
    { name: 'flaky', instance: 'a', port: flakyA.port },
    { name: 'flaky', instance: 'b', port: flakyB.port },
    { name: 'halfdown', instance: 'up', port: up.port },
    { name: 'halfdown', instance: 'down', port: downPort },
    { name: 'outage', instance: 'a', port: downPort },
    { name: 'outage', instance: 'b', port: downPort },
  ];
  await Promise.all([
    ...instances.map((i) => registerInstance(consul, i)),
    registerInstance(consul, {
      name: 'caller',
      instance: '1',
      port: 1,
      upstreams: [
        // Deliberate failures must not eject flaky's endpoints; no backoff, so that only the deadline decides.
        { destinationName: 'flaky', localBindPort: flakyPort, config: { outlier: { consecutiveFailures: 1000 }, retry: { backoffBaseMs: 1, backoffMaxMs: 1 } } },
        { destinationName: 'halfdown', localBindPort: halfdownPort },
        { destinationName: 'outage', localBindPort: outagePort },
        { destinationName: 'blackhole', localBindPort: blackholePort, config: { requestTimeoutMs: 300 } },
      ],
    }),
    registerInstance(consul, { name: 'blackhole', instance: '1', port: downPort, sidecarPort: (hole.address() as { port: number }).port }),
  ]);
  const ids = [...instances.map((i) => `${i.name}-${i.instance}`), 'caller-1'];
  const started = await Promise.all(ids.map((id) => startSidecar(consul, id)));
  stops.push(...started.map((s) => () => s.stop()));
  const sidecars = new Map(ids.map((id, i) => [id, started[i]!]));
  const caller = sidecars.get('caller-1')!;
  await Promise.all([...['flaky', 'halfdown', 'outage'].map((u) => waitForClusterEndpoints(caller, u, 2)), waitForClusterEndpoints(caller, 'blackhole', 1)]);
  const app = (port: number) => {
    const client = new EchoClient(`127.0.0.1:${port}`);
    stops.push(async () => client.close());
    return client;
  };
  const flakyApp = app(flakyPort);
  // Connections on every hop to both flaky instances, so that timing tests measure calls, not handshakes.
  for (let i = 0; i < 4; i++) await flakyApp.unary(Buffer.from('warm-up'), { timeoutMs: 5000 });
  mesh = {
    caller,
    sidecars,
    flaky: { backends: [flakyA, flakyB], app: flakyApp },
    halfdown: { backend: up, app: app(halfdownPort) },
    outage: { app: app(outagePort) },
    blackhole: { app: app(blackholePort) },
  };
});

test.after.always(async () => {
  await Promise.allSettled(stops.reverse().map((stop) => stop()));
});

const unaryCalls = (e: Echo) => e.stats.calls['Unary'] ?? 0;
const inboundCalls = (sidecar: SidecarProcess, service: string) => metric(sidecar, 'meshproxy_requests_total', { direction: 'inbound', upstream: service });

/** The gRPC code a call ended with, and how long it took. */
async function outcome(call: Promise<unknown>): Promise<{ code: number; ms: number; message: string }> {
  const start = performance.now();
  try {
    await call;
    return { code: status.OK, ms: performance.now() - start, message: '' };
  } catch (err) {
    const e = err as { code: number; details: string };
    return { code: e.code, ms: performance.now() - start, message: e.details };
  }
}

test.serial('retries - an instance whose app is down answers UNAVAILABLE: calls succeed on the other, each retry counted', async (t) => {
  const { caller, sidecars, halfdown } = mesh!;
  const down = sidecars.get('halfdown-down')!;
  const retriesBefore = await metric(caller, 'meshproxy_retries_total', { upstream: 'halfdown' });
  const servedBefore = unaryCalls(halfdown.backend);

  for (let i = 0; i < 20; i++) {
    const res = await halfdown.app.unary(Buffer.from(`call ${i}`), { timeoutMs: 5000 });
    t.is(res.value.toString(), `call ${i}`);
  }

  t.is(unaryCalls(halfdown.backend) - servedBefore, 20, 'every call was served by the instance that is up');
  const refusedByDown = await metric(down, 'meshproxy_requests_total', { direction: 'inbound', upstream: 'halfdown', grpc_code: 'UNAVAILABLE' });
  const retries = (await metric(caller, 'meshproxy_retries_total', { upstream: 'halfdown' })) - retriesBefore;
  t.log(`20 calls: ${retries} retries after UNAVAILABLE from the instance that is down`);
  t.true(retries >= 1, 'the down instance was tried and its UNAVAILABLE retried');
  t.is(retries, refusedByDown, 'one retry per UNAVAILABLE answered by the down instance');
  const cluster = await clusterOf(caller, 'halfdown');
  const downEndpoint = cluster.endpoints.find((e) => e.serviceId === 'halfdown-down');
  t.is(downEndpoint?.outlier?.state, 'ejected', 'five UNAVAILABLE in a row eject it (default consecutiveFailures)');
  t.is(retries, 5, 'and from then on it is not tried any more');
});

test.serial('retries - a retry gets only what is left of the caller deadline, on the other endpoint', async (t) => {
  const { caller, flaky } = mesh!;
  const [a, b] = flaky.backends;
  const before = [unaryCalls(a), unaryCalls(b)];
  const retriesBefore = await metric(caller, 'meshproxy_retries_total', { upstream: 'flaky' });

  // Each attempt fails with UNAVAILABLE after 200 ms; the caller allows 300 ms.
  const r = await outcome(flaky.app.unary(Buffer.from('x'), { timeoutMs: 300, metadata: { 'x-echo-status': '14', 'x-echo-delay-ms': '200' } }));

  t.is(codeName(r.code), 'DEADLINE_EXCEEDED', r.message);
  t.true(r.ms < 400, `the call ended ${Math.round(r.ms)} ms after it started`);
  t.deepEqual([unaryCalls(a) - before[0]!, unaryCalls(b) - before[1]!], [1, 1], 'two attempts, one per endpoint');
  t.is((await metric(caller, 'meshproxy_retries_total', { upstream: 'flaky' })) - retriesBefore, 1);
  // The retry started ≥ 200 ms into a 300 ms deadline: it carried at most the 100 ms left.
  const deadlines = [a.stats.lastDeadlineMs!, b.stats.lastDeadlineMs!].sort((x, y) => x - y);
  t.log(`grpc-timeout seen by the backends: first attempt ${deadlines[1]} ms, retry ${deadlines[0]} ms`);
  t.true(deadlines[0]! > 0 && deadlines[0]! <= 100, `the retry's deadline: ${deadlines[0]} ms`);
  t.true(deadlines[1]! > 250 && deadlines[1]! <= 300, `the first attempt's deadline: ${deadlines[1]} ms`);
});

test.serial('retries - none once the deadline leaves no time for one', async (t) => {
  const { caller, flaky } = mesh!;
  const [a, b] = flaky.backends;
  const before = unaryCalls(a) + unaryCalls(b);
  const refusedBefore = await metric(caller, 'meshproxy_retries_refused_total', { upstream: 'flaky', reason: 'deadline' });

  // The first attempt fails at ≥ 290 ms of 300: less than the 10 ms a retry needs at least.
  const r = await outcome(flaky.app.unary(Buffer.from('x'), { timeoutMs: 300, metadata: { 'x-echo-status': '14', 'x-echo-delay-ms': '290' } }));

  t.is(unaryCalls(a) + unaryCalls(b) - before, 1, 'one attempt only');
  const refused = (await metric(caller, 'meshproxy_retries_refused_total', { upstream: 'flaky', reason: 'deadline' })) - refusedBefore;
  // The failure reached the sidecar before the deadline (the usual case): a retry was refused for lack of time, and
  // the caller got the failure. Later (a slow event loop), the sidecar's deadline timer had already answered the call.
  if (r.code === status.UNAVAILABLE) t.is(refused, 1, r.message);
  else t.is(codeName(r.code), 'DEADLINE_EXCEEDED', r.message);
  t.log(`the caller got ${codeName(r.code)} after ${Math.round(r.ms)} ms; retries refused for the deadline: ${refused}`);
});

test.serial('retries - a non-retriable code (FAILED_PRECONDITION) reaches the caller after one attempt', async (t) => {
  const { caller, flaky } = mesh!;
  const [a, b] = flaky.backends;
  const before = unaryCalls(a) + unaryCalls(b);
  const retriesBefore = await metric(caller, 'meshproxy_retries_total', { upstream: 'flaky' });

  for (let i = 0; i < 10; i++) {
    const r = await outcome(flaky.app.unary(Buffer.from('x'), { timeoutMs: 5000, metadata: { 'x-echo-status': '9', 'x-echo-message': 'card declined' } }));
    t.is(r.code, status.FAILED_PRECONDITION);
    t.is(r.message, 'card declined');
  }

  t.is(unaryCalls(a) + unaryCalls(b) - before, 10, 'one attempt per call');
  t.is((await metric(caller, 'meshproxy_retries_total', { upstream: 'flaky' })) - retriesBefore, 0);
});

test.serial('retries - every endpoint down: a burst fails fast with UNAVAILABLE and the budget, not numRetries, bounds the attempts', async (t) => {
  const { caller, sidecars, outage } = mesh!;
  const [a, b] = [sidecars.get('outage-a')!, sidecars.get('outage-b')!];
  const attemptsBefore = (await inboundCalls(a, 'outage')) + (await inboundCalls(b, 'outage'));
  const budgetBefore = await metric(caller, 'meshproxy_retries_refused_total', { upstream: 'outage', reason: 'budget' });
  const CALLS = 200;

  const r = await burst(CALLS, () => outage.app.unary(Buffer.from('x'), { timeoutMs: 5000 }));

  t.is(r.byCode['UNAVAILABLE'], CALLS, JSON.stringify(r.byCode));
  t.true(r.elapsedMs < 2000, `the burst took ${r.elapsedMs} ms`);
  const attempts = (await inboundCalls(a, 'outage')) + (await inboundCalls(b, 'outage')) - attemptsBefore;
  const refusedByBudget = (await metric(caller, 'meshproxy_retries_refused_total', { upstream: 'outage', reason: 'budget' })) - budgetBefore;
  const retries = await metric(caller, 'meshproxy_retries_total', { upstream: 'outage' });
  t.log(`${CALLS} calls: ${attempts} attempts reached the instances (${retries} retries, ${refusedByBudget} refused by the budget); without a budget: up to ${CALLS * 3}`);
  t.true(refusedByBudget > 0, 'the budget refused retries');
  t.true(attempts <= CALLS * 1.25, `attempts: ${attempts}`);
  t.is(attempts, CALLS + retries, 'every attempt is a call or a counted retry');
});

test.serial('timeouts - requestTimeoutMs ends a call its upstream never answers, unless the caller deadline is shorter', async (t) => {
  const { blackhole } = mesh!;
  const noDeadline = await outcome(blackhole.app.unary(Buffer.from('x')));
  t.is(codeName(noDeadline.code), 'DEADLINE_EXCEEDED', noDeadline.message);
  t.is(noDeadline.message, 'deadline exceeded (mesh-proxy)');
  t.true(noDeadline.ms >= 290 && noDeadline.ms < 600, `no caller deadline: ended after ${Math.round(noDeadline.ms)} ms`);

  const longer = await outcome(blackhole.app.unary(Buffer.from('x'), { timeoutMs: 3000 }));
  t.is(longer.message, 'deadline exceeded (mesh-proxy)');
  t.true(longer.ms >= 290 && longer.ms < 600, `caller deadline 3 s: ended after ${Math.round(longer.ms)} ms`);

  const shorter = await outcome(blackhole.app.unary(Buffer.from('x'), { timeoutMs: 150 }));
  t.is(codeName(shorter.code), 'DEADLINE_EXCEEDED');
  t.true(shorter.ms < 290, `caller deadline 150 ms: ended after ${Math.round(shorter.ms)} ms`);
});
