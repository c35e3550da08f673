// EndpointWatcher while its Consul agent stops and a new one starts on the same address.
import test from 'ava';
import { startConsul, type ConsulServer } from '../../../../scripts/servers/index.js';
import { ConsulClient, EndpointWatcher } from '../../../../mesh-proxy/src/discovery/index.js';
import { eventually } from '../../../support/eventually.js';
import { instance } from './instances.js';

const CHECKS_MS = 25_000;

test('endpoint watcher - Consul stopped: stale, endpoints kept; a new agent: index reset and the list recovers', async (t) => {
  let consul: ConsulServer | undefined = await startConsul();
  t.teardown(() => consul?.stop());
  const { httpAddr, httpPort } = consul;
  const inst = await instance(httpAddr, { name: 'inventory', instance: 'r' });
  t.teardown(() => inst.close());
  await inst.register();

  const errors: Error[] = [];
  const w = new EndpointWatcher({
    client: new ConsulClient({ address: httpAddr }),
    upstream: 'inventory',
    waitMs: 30_000,
    backoff: { baseMs: 100, maxMs: 500 },
    onUpdate: () => {},
    onError: (e) => errors.push(e),
  }).start();
  t.teardown(() => w.close());
  await eventually(() => (w.state().endpoints.length === 1 ? true : undefined), CHECKS_MS, 'the instance listed');
  const indexBefore = w.state().lastIndex;

  await consul.stop();
  consul = undefined;
  await eventually(() => (w.state().stale ? true : undefined), 5_000, 'stale');
  t.deepEqual(
    w.state().endpoints.map((e) => e.serviceId),
    ['inventory-r'],
    'the last known list is kept',
  );
  t.is(w.state().lastIndex, 0);
  const message = w.state().lastError!.message;
  t.true(message.startsWith(`consul GET /v1/health/connect/inventory at ${httpAddr}: `), message);
  await eventually(() => (errors.some((e) => e.message.endsWith(': ECONNREFUSED')) ? true : undefined), 5_000, 'ECONNREFUSED while down');

  // A new dev agent on the same address: empty state, a raft index that starts over below the old one.
  consul = await startConsul({ httpPort });
  await eventually(() => (w.state().stale ? undefined : true), 10_000, 'not stale');
  t.deepEqual(w.state().endpoints, [], 'the new agent knows no instance: the list follows it');
  t.true(w.state().lastIndex < indexBefore, `index went from ${indexBefore} to ${w.state().lastIndex}`);

  await inst.register();
  await eventually(() => (w.state().endpoints.length === 1 ? true : undefined), CHECKS_MS, 'the re-registered instance listed');
  t.is(w.state().endpoints[0]!.serviceId, 'inventory-r');
  t.false(w.state().stale);
});
