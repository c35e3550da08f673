// The Consul agent stopped under a running mesh, then a new one started on the same address: calls keep
// going to the last known endpoints meanwhile (/clusters says stale), and once the instances are registered
// again the sidecar follows the new agent (stale false, a new instance picked up).
import test from 'ava';
import { freePort, startConsul, type ConsulServer } from '../../../../scripts/servers/index.js';
import { EchoClient } from '../../../support/echo/echo-client.js';
import { startEchoServer } from '../../../support/echo/echo-server.js';
import { eventually } from '../../../support/eventually.js';
import { runLoad } from '../../../support/load.js';
import { clusterOf, metric } from '../../../support/mesh-admin.js';
import { registerInstance, startSidecar, waitForClusterEndpoints, type InstanceSpec } from '../../../support/mesh.js';
import { useServers } from '../../../support/servers.js';

const servers = useServers(test, { consul: true });

/** Consul's sidecar TCP check runs every 10 s: a (re-)registered instance passes within that, plus room. */
const CHECK_MS = 25_000;

test('consul outage - calls go on to the last known endpoints while the agent is down; a new agent is followed once instances re-register', async (t) => {
  const first = servers().consul;
  let restarted: ConsulServer | undefined;
  t.teardown(() => restarted?.stop());
  const backends = await Promise.all([startEchoServer(), startEchoServer()]);
  t.teardown(() => Promise.all(backends.map((b) => b.stop())));
  const [oldBackend, newBackend] = backends;
  const port = await freePort();
  const specs: InstanceSpec[] = [
    { name: 'steady', instance: 'a', port: oldBackend.port, sidecarPort: await freePort() },
    { name: 'caller', instance: '1', port: 1, upstreams: [{ destinationName: 'steady', localBindPort: port }] },
  ];
  await Promise.all(specs.map((s) => registerInstance(first, s)));
  const sidecars = await Promise.all(['steady-a', 'caller-1'].map((id) => startSidecar(first, id)));
  t.teardown(() => Promise.all(sidecars.map((s) => s.stop())));
  const caller = sidecars[1]!;
  await waitForClusterEndpoints(caller, 'steady', 1);
  const app = new EchoClient(`127.0.0.1:${port}`);
  t.teardown(() => app.close());

  // 1. The agent goes away: discovery fails, the last known endpoint keeps serving.
  await first.stop();
  await eventually(async () => ((await clusterOf(caller, 'steady')).stale ? true : undefined), 5000, '/clusters to say stale');
  const down = await clusterOf(caller, 'steady');
  t.deepEqual(down.endpoints.map((e) => e.serviceId), ['steady-a'], 'the last known endpoints are kept');
  t.true(down.discovery.stale);
  t.regex(down.discovery.lastError ?? '', /ECONNREFUSED/);
  t.is(await metric(caller, 'meshproxy_discovery_stale', { upstream: 'steady' }), 1);
  const during = await runLoad({ ratePerSecond: 100, durationMs: 2000, call: (seq) => app.unary(Buffer.from(`call ${seq}`), { timeoutMs: 5000 }) });
  t.log(`while Consul was down: ${during.sent} calls, ${during.failed} failed`);
  t.is(during.failed, 0, JSON.stringify(during.failures));

  // 2. A new dev agent on the same address knows nothing: the instances register again, and a new one joins.
  restarted = await startConsul({ httpPort: first.httpPort });
  await Promise.all([...specs, { name: 'steady', instance: 'b', port: newBackend.port }].map((s) => registerInstance(restarted!, s)));
  const joined = await startSidecar(restarted, 'steady-b');
  t.teardown(() => joined.stop());
  await eventually(async () => ((await clusterOf(caller, 'steady')).stale ? undefined : true), 10_000, '/clusters to say not stale');
  t.is(await metric(caller, 'meshproxy_discovery_stale', { upstream: 'steady' }), 0);
  await waitForClusterEndpoints(caller, 'steady', 2, CHECK_MS);
  const back = await clusterOf(caller, 'steady');
  t.deepEqual(back.endpoints.map((e) => e.serviceId).sort(), ['steady-a', 'steady-b']);
  t.false(back.discovery.stale);

  const served = backends.map((b) => b.stats.calls['Unary'] ?? 0);
  const after = await runLoad({ ratePerSecond: 200, durationMs: 1000, call: (seq) => app.unary(Buffer.from(`call ${seq}`), { timeoutMs: 5000 }) });
  t.is(after.failed, 0, JSON.stringify(after.failures));
  const split = backends.map((b, i) => (b.stats.calls['Unary'] ?? 0) - served[i]!);
  t.log(`after the restart: ${after.sent} calls, split ${split.join('/')} between the old and the new instance`);
  t.deepEqual(split, [100, 100], 'the new instance takes its share');
});
