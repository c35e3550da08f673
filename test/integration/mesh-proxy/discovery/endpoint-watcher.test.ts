// EndpointWatcher against a real Consul 1.8 agent: instances with sidecars come and go, checks pass and fail.
import test from 'ava';
import { ConsulClient, EndpointWatcher, type Endpoint } from '../../../../mesh-proxy/src/discovery/index.js';
import { eventually } from '../../../support/eventually.js';
import { useServers } from '../../../support/servers.js';
import { instance, type InstanceOptions } from './instances.js';

const servers = useServers(test, { consul: true });
// The sidecar's default TCP check runs every 10 s (first run staggered within it): allow for two rounds.
const CHECKS_MS = 25_000;

function watch(t: { teardown(fn: () => Promise<void>): void }, upstream: string) {
  const updates: Array<{ at: number; endpoints: readonly Endpoint[] }> = [];
  const w = new EndpointWatcher({
    client: new ConsulClient({ address: servers().consul.httpAddr }),
    upstream,
    waitMs: 30_000,
    onUpdate: (endpoints) => updates.push({ at: Date.now(), endpoints }),
  }).start();
  t.teardown(() => w.close());
  const ids = () => w.state().endpoints.map((e) => e.serviceId);
  /** Resolves when the watcher's list is exactly `expected` (instance IDs, sorted). */
  const until = (expected: string[], what: string) =>
    eventually(() => (JSON.stringify(ids()) === JSON.stringify(expected) ? true : undefined), CHECKS_MS, `${upstream} endpoints ${what}: ${JSON.stringify(expected)}, have ${JSON.stringify(ids())}`);
  return { w, updates, until, ids };
}

async function started(t: { teardown(fn: () => Promise<void>): void }, o: InstanceOptions) {
  const inst = await instance(servers().consul.httpAddr, o);
  t.teardown(async () => {
    await inst.close();
    await inst.deregister().catch(() => {});
  });
  return inst;
}

test('endpoint watcher - endpoints appear and disappear as instances with sidecars register and deregister', async (t) => {
  const { w, updates, until } = watch(t, 'inventory');
  await w.synced;
  t.deepEqual(w.state().endpoints, []);

  const a = await started(t, { name: 'inventory', instance: 'a' });
  const b = await started(t, { name: 'inventory', instance: 'b' });
  await Promise.all([a.register(), b.register()]);
  await until(['inventory-a', 'inventory-b'], 'after registering');
  const ea = w.state().endpoints[0]!;
  t.like(ea, { id: 'inventory-a-sidecar-proxy', address: '127.0.0.1', port: a.sidecarPort, serviceId: 'inventory-a', tags: ['grpc'] });
  t.deepEqual(ea.meta, { version: '1.0.0', region: 'local', zone: 'a', instance: 'a' }, 'the sidecar inherits the service Meta');

  await a.deregister();
  await until(['inventory-b'], 'after deregistering a');
  t.deepEqual(updates.at(-1)!.endpoints.map((e) => e.serviceId), ['inventory-b']);
  t.false(w.state().stale);
});

test('endpoint watcher - a watcher blocked on a long poll hears of a change promptly', async (t) => {
  const { w, updates, until } = watch(t, 'pricing');
  await w.synced;
  const a = await started(t, { name: 'pricing', instance: 'a' });
  await a.register();
  await until(['pricing-a'], 'after registering');
  // Let the watcher settle into a long poll on the current index (and its token bucket refill).
  await new Promise((r) => setTimeout(r, 2_500));
  const before = updates.length;

  const changedAt = Date.now();
  await a.deregister();
  await until([], 'after deregistering');
  const latency = updates[before]!.at - changedAt;
  t.log(`deregistration seen ${latency} ms after the PUT returned`);
  t.true(latency < 500, `${latency} ms`);
  t.is(updates.length, before + 1);
});

test('endpoint watcher - weights: the instance weights services register come through on their sidecars', async (t) => {
  const { until, w } = watch(t, 'catalog');
  // /v1/health/connect lists sidecars, whose Weights Consul 1.8 does not copy from the service:
  // services/runtime/consul/registration.ts sets them on Connect.SidecarService too.
  const seven = await started(t, { name: 'catalog', instance: 'p', weights: { passing: 7, warning: 1 } });
  const two = await started(t, { name: 'catalog', instance: 's', weights: { passing: 2, warning: 1 } });
  await Promise.all([seven.register(), two.register()]);
  await until(['catalog-p', 'catalog-s'], 'after registering');
  t.deepEqual(
    w.state().endpoints.map((e) => [e.serviceId, e.weight]),
    [
      ['catalog-p', 7],
      ['catalog-s', 2],
    ],
  );
});

test('endpoint watcher - ?passing needs the sidecar listening AND the app healthy (TCP check + alias check)', async (t) => {
  const { until, ids } = watch(t, 'shipping');
  const inst = await started(t, { name: 'shipping', instance: 'a', sidecarUp: false });
  await inst.register();
  // App healthy, sidecar port closed: the sidecar's "Connect Sidecar Listening" TCP check keeps it out.
  await eventually(async () => {
    const checks = (await (await fetch(`${servers().consul.httpAddr}/v1/agent/checks`)).json()) as Record<string, { ServiceID: string; Status: string; Type: string }>;
    const mine = Object.values(checks).filter((c) => c.ServiceID.startsWith('shipping-a'));
    return mine.some((c) => c.Type === 'grpc' && c.Status === 'passing') && mine.some((c) => c.Type === 'alias' && c.Status === 'passing') ? true : undefined;
  }, CHECKS_MS, 'app check and alias check passing');
  await new Promise((r) => setTimeout(r, 1_000));
  await until([], 'while the sidecar port is closed');
  t.deepEqual(ids(), []);

  await inst.startSidecar();
  await until(['shipping-a'], 'once the sidecar listens');
  t.deepEqual(ids(), ['shipping-a']);

  // Sidecar listening, app down: the alias check mirrors the app's gRPC check and takes the endpoint out.
  await inst.stopApp();
  await until([], 'once the app is down');
  t.deepEqual(ids(), []);
});
