import test from 'ava';
import { decodeHealthEntries, sameEndpoints } from '../../../../mesh-proxy/src/discovery/endpoint.js';
import { healthEntry } from './fake-agent.js';

test('health entries - one endpoint per sidecar: its ID, address, port, weight, instance, meta and tags', (t) => {
  const [e] = decodeHealthEntries([healthEntry('inventory-a', 21000, { weight: 5, meta: { zone: 'a' }, tags: ['grpc'] })]);
  t.deepEqual(e, {
    id: 'inventory-a-sidecar-proxy',
    node: 'node-1',
    address: '127.0.0.1',
    port: 21000,
    weight: 5,
    serviceId: 'inventory-a',
    meta: { zone: 'a' },
    tags: ['grpc'],
  });
});

test("health entries - an empty Service.Address means the node's address", (t) => {
  t.is(decodeHealthEntries([healthEntry('a', 1, { address: '' })])[0]!.address, '10.0.0.1');
});

test('health entries - weight is at least 1 (missing or 0 Weights.Passing)', (t) => {
  const zero = healthEntry('a', 1, { weight: 0 });
  const missing = healthEntry('b', 2) as { Service: { Weights?: unknown } };
  delete missing.Service.Weights;
  t.deepEqual(
    decodeHealthEntries([zero, missing]).map((e) => e.weight),
    [1, 1],
  );
});

test('health entries - sorted by node then ID, so order from Consul does not count as a change', (t) => {
  const a = decodeHealthEntries([healthEntry('b', 2), healthEntry('a', 1), healthEntry('c', 3, { node: 'node-0' })]);
  t.deepEqual(
    a.map((e) => e.serviceId),
    ['c', 'a', 'b'],
  );
  const b = decodeHealthEntries([healthEntry('a', 1), healthEntry('c', 3, { node: 'node-0' }), healthEntry('b', 2)]);
  t.true(sameEndpoints(a, b));
});

test('health entries - a change in port, weight, meta or tags is a different list', (t) => {
  const base = decodeHealthEntries([healthEntry('a', 1)]);
  t.false(sameEndpoints(base, decodeHealthEntries([healthEntry('a', 2)])));
  t.false(sameEndpoints(base, decodeHealthEntries([healthEntry('a', 1, { weight: 2 })])));
  t.false(sameEndpoints(base, decodeHealthEntries([healthEntry('a', 1, { meta: { v: '2' } })])));
  t.false(sameEndpoints(base, decodeHealthEntries([healthEntry('a', 1, { tags: ['x'] })])));
  t.false(sameEndpoints(base, []));
});

test('health entries - malformed answers fail with the entry and field', (t) => {
  t.throws(() => decodeHealthEntries({}), { message: 'expected a JSON array of health entries, got object' });
  const noPort = healthEntry('a', 1) as { Service: { Port?: unknown } };
  noPort.Service.Port = 'x';
  t.throws(() => decodeHealthEntries([noPort]), { message: '[0].Service.Port: expected a port number, got "x"' });
  t.throws(() => decodeHealthEntries([{ Node: {}, Service: { ID: 'p', Port: 1 } }]), { message: '[0]: neither Service.Address nor Node.Address is set for p' });
});
