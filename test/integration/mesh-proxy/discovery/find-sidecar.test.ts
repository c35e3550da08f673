// findSidecar and watchSidecar against a real Consul 1.8 agent.
import test from 'ava';
import { ConsulClient, findSidecar, watchSidecar, type SidecarEvent, type SidecarWait } from '../../../../mesh-proxy/src/discovery/index.js';
import { eventually } from '../../../support/eventually.js';
import { useServers } from '../../../support/servers.js';
import { instance } from './instances.js';

const servers = useServers(test, { consul: true });

function client(): ConsulClient {
  return new ConsulClient({ address: servers().consul.httpAddr, requestTimeoutMs: 5_000 });
}

test('find sidecar - waits for a registration that appears 1 s later, then reads it like consul connect envoy -sidecar-for', async (t) => {
  const inst = await instance(servers().consul.httpAddr, {
    name: 'orders',
    instance: 'late',
    upstreams: [
      { destinationName: 'inventory', localBindPort: 42101 },
      { destinationName: 'payments', localBindPort: 42102 },
    ],
    appUp: false,
    sidecarUp: false,
  });
  t.teardown(() => inst.deregister());
  const waits: SidecarWait[] = [];
  const started = Date.now();
  const found = findSidecar(client(), inst.id, { pollIntervalMs: 100, onWait: (w) => waits.push(w) });
  setTimeout(() => void inst.register(), 1000);

  const reg = await found;
  const elapsed = Date.now() - started;
  t.true(elapsed >= 1000 && elapsed < 3000, `found after ${elapsed} ms`);
  t.true(waits.length >= 5 && waits.every((w) => w.kind === 'not-registered'));
  t.deepEqual(reg, {
    proxyId: `${inst.id}-sidecar-proxy`,
    proxyName: 'orders-sidecar-proxy',
    address: '127.0.0.1', // the sidecar inherits the service's Address
    port: inst.sidecarPort,
    destinationServiceName: 'orders',
    destinationServiceId: inst.id,
    localServiceAddress: '127.0.0.1',
    localServicePort: inst.appPort, // filled in by the agent for Connect.SidecarService
    upstreams: [
      { destinationName: 'inventory', destinationType: 'service', datacenter: undefined, localBindAddress: '127.0.0.1', localBindPort: 42101, config: {} },
      { destinationName: 'payments', destinationType: 'service', datacenter: undefined, localBindAddress: '127.0.0.1', localBindPort: 42102, config: {} },
    ],
    config: {},
  });
});

test('find sidecar - a proxy registered on its own without LocalServicePort runs against its service port', async (t) => {
  const { httpAddr } = servers().consul;
  const put = (path: string, body: unknown) => fetch(`${httpAddr}${path}`, { method: 'PUT', body: JSON.stringify(body) });
  await put('/v1/agent/service/register', { ID: 'billing-1', Name: 'billing', Port: 43210, Address: '127.0.0.1' });
  await put('/v1/agent/service/register', {
    Kind: 'connect-proxy',
    ID: 'billing-1-proxy',
    Name: 'billing-proxy',
    Port: 43211,
    Proxy: { DestinationServiceName: 'billing', DestinationServiceID: 'billing-1', Config: { shutdownGraceMs: 2000 } },
  });
  t.teardown(async () => {
    await put('/v1/agent/service/deregister/billing-1-proxy', undefined);
    await put('/v1/agent/service/deregister/billing-1', undefined);
  });
  const reg = await findSidecar(client(), 'billing-1');
  t.like(reg, { proxyId: 'billing-1-proxy', address: '0.0.0.0', localServicePort: 43210, config: { shutdownGraceMs: 2000 } });
});

test('watch sidecar - reports a re-registration with a new upstream within a moment (hash blocking)', async (t) => {
  const inst = await instance(servers().consul.httpAddr, {
    name: 'cart',
    instance: 'w',
    upstreams: [{ destinationName: 'inventory', localBindPort: 42201 }],
    appUp: false,
    sidecarUp: false,
  });
  await inst.register();
  t.teardown(() => inst.deregister());
  const reg = await findSidecar(client(), inst.id);
  const events: Array<SidecarEvent & { at: number }> = [];
  const watch = watchSidecar(client(), reg, { onEvent: (e) => events.push({ ...e, at: Date.now() }), waitMs: 30_000 });
  t.teardown(() => watch.close());
  // Let the first (immediate) answer come and the watch block on the hash.
  await new Promise((r) => setTimeout(r, 300));
  t.deepEqual(events, []);

  inst.registration.Connect.SidecarService.Proxy.Upstreams.push({ DestinationName: 'payments', LocalBindPort: 42202 });
  const changedAt = Date.now();
  await inst.register();
  const event = await eventually(() => events.find((e) => e.kind === 'changed'), 5_000, 'a changed event');
  if (event.kind !== 'changed') return t.fail();
  t.deepEqual(
    event.registration.upstreams.map((u) => [u.destinationName, u.localBindPort]),
    [
      ['inventory', 42201],
      ['payments', 42202],
    ],
  );
  t.log(`registration change reported ${event.at - changedAt} ms after the PUT`);
  t.true(event.at - changedAt < 1_000);

  await inst.deregister();
  await eventually(() => events.find((e) => e.kind === 'removed'), 5_000, 'a removed event');
});
