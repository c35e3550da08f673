// The client sidecar splits calls by its upstream's balancer: Consul weights 3 and 1 give 75/25 by
// default (smooth weighted round robin), and round_robin ignores the weights (50/50).
import test from 'ava';
import { freePort } from '../../../../scripts/servers/index.js';
import { EchoClient } from '../../../support/echo/echo-client.js';
import { startEchoServer } from '../../../support/echo/echo-server.js';
import { burst } from '../../../support/load.js';
import { clusterOf, metric } from '../../../support/mesh-admin.js';
import { registerInstance, startSidecar, waitForClusterEndpoints, type SidecarProcess } from '../../../support/mesh.js';
import { useServers } from '../../../support/servers.js';

const servers = useServers(test, { consul: true });

const CALLS = 2000;
/** Calls in flight at once: enough to keep the pipe busy, few enough that 2000 take a second or two. */
const CONCURRENCY = 50;

interface Mesh {
  backends: Array<Awaited<ReturnType<typeof startEchoServer>>>;
  weighted: { sidecar: SidecarProcess; app: EchoClient };
  roundRobin: { sidecar: SidecarProcess; app: EchoClient };
}

let mesh: Mesh | undefined;
const stops: Array<() => Promise<unknown>> = [];

// Two backends behind sidecars with weights 3 and 1, and two callers: one with the default balancer, one with round_robin.
test.serial.before(async () => {
  const { consul } = servers();
  const backends = await Promise.all([startEchoServer(), startEchoServer()]);
  stops.push(...backends.map((b) => () => b.stop()));
  const [wPort, rrPort] = await Promise.all([freePort(), freePort()]);
  await Promise.all([
    registerInstance(consul, { name: 'split', instance: 'heavy', port: backends[0]!.port, weight: 3 }),
    registerInstance(consul, { name: 'split', instance: 'light', port: backends[1]!.port, weight: 1 }),
    registerInstance(consul, { name: 'caller', instance: 'wrr', port: 1, upstreams: [{ destinationName: 'split', localBindPort: wPort }] }),
    registerInstance(consul, { name: 'caller', instance: 'rr', port: 1, upstreams: [{ destinationName: 'split', localBindPort: rrPort, config: { balancer: 'round_robin' } }] }),
  ]);
  const sidecars = await Promise.all(['split-heavy', 'split-light', 'caller-wrr', 'caller-rr'].map((id) => startSidecar(consul, id)));
  stops.push(...sidecars.map((s) => () => s.stop()));
  const [, , wSidecar, rrSidecar] = sidecars as [SidecarProcess, SidecarProcess, SidecarProcess, SidecarProcess];
  await Promise.all([waitForClusterEndpoints(wSidecar, 'split', 2), waitForClusterEndpoints(rrSidecar, 'split', 2)]);
  const weighted = { sidecar: wSidecar, app: new EchoClient(`127.0.0.1:${wPort}`) };
  const roundRobin = { sidecar: rrSidecar, app: new EchoClient(`127.0.0.1:${rrPort}`) };
  stops.push(async () => weighted.app.close(), async () => roundRobin.app.close());
  mesh = { backends, weighted, roundRobin };
});

test.after.always(async () => {
  await Promise.allSettled(stops.reverse().map((stop) => stop()));
});

/** 2000 unary calls, CONCURRENCY at a time; returns the share each backend served. */
async function split(app: EchoClient): Promise<{ heavy: number; light: number; failed: number }> {
  const { backends } = mesh!;
  const before = backends.map((b) => b.stats.calls['Unary'] ?? 0);
  let failed = 0;
  for (let done = 0; done < CALLS; done += CONCURRENCY) {
    const r = await burst(Math.min(CONCURRENCY, CALLS - done), () => app.unary(Buffer.from('x'), { timeoutMs: 5000 }));
    failed += r.failed;
  }
  const [heavy, light] = backends.map((b, i) => (b.stats.calls['Unary'] ?? 0) - before[i]!) as [number, number];
  return { heavy: heavy / CALLS, light: light / CALLS, failed };
}

test.serial('balancing - weights 3 and 1 split 2000 calls 75/25 with the default weighted round robin', async (t) => {
  const { sidecar, app } = mesh!.weighted;
  const cluster = await clusterOf(sidecar, 'split');
  t.is(cluster.balancer, 'weighted_round_robin');
  t.deepEqual(cluster.endpoints.map((e) => [e.serviceId, e.weight]).sort(), [['split-heavy', 3], ['split-light', 1]], '/clusters shows the weights');

  const s = await split(app);
  t.log(`weighted: heavy ${(s.heavy * 100).toFixed(1)} %, light ${(s.light * 100).toFixed(1)} %`);
  t.is(s.failed, 0);
  t.true(Math.abs(s.heavy - 0.75) <= 0.02, `heavy served ${s.heavy}`);
  t.true(Math.abs(s.light - 0.25) <= 0.02, `light served ${s.light}`);
  t.is(await metric(sidecar, 'meshproxy_requests_total', { direction: 'outbound', upstream: 'split', grpc_code: 'OK' }), CALLS);
});

test.serial('balancing - round_robin in the upstream Config ignores the weights: 50/50', async (t) => {
  const { sidecar, app } = mesh!.roundRobin;
  t.is((await clusterOf(sidecar, 'split')).balancer, 'round_robin');

  const s = await split(app);
  t.log(`round robin: heavy ${(s.heavy * 100).toFixed(1)} %, light ${(s.light * 100).toFixed(1)} %`);
  t.is(s.failed, 0);
  t.true(Math.abs(s.heavy - 0.5) <= 0.02, `heavy served ${s.heavy}`);
  t.true(Math.abs(s.light - 0.5) <= 0.02, `light served ${s.light}`);
});
