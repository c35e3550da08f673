import test from 'ava';
import { buildRegistration, serviceId, type RegistrationInput } from '../../../../services/runtime/consul/registration.js';

const input: RegistrationInput = {
  name: 'catalog',
  instance: '2',
  version: '1.4.0',
  region: 'eu-west',
  zone: 'eu-west-b',
  tags: ['shop', 'catalog'],
  weights: { passing: 10, warning: 1 },
  address: '127.0.0.1',
  port: 50101,
  sidecarPort: 21101,
  upstreams: [
    { destinationName: 'inventory', localBindPort: 9191 },
    { destinationName: 'pricing', localBindPort: 9192 },
  ],
  checkIntervalMs: 5000,
  checkTimeoutMs: 1500,
  deregisterCriticalAfterMs: 60_000,
};

test('registration - the service ID is <name>-<instance>', (t) => {
  t.is(serviceId('catalog', 'pod-7'), 'catalog-pod-7');
  const r = buildRegistration(input);
  t.is(r.ID, 'catalog-2');
  t.is(r.Name, 'catalog');
});

test('registration - carries address, port, tags, meta and weights', (t) => {
  const r = buildRegistration(input);
  t.is(r.Address, '127.0.0.1');
  t.is(r.Port, 50101);
  t.deepEqual(r.Tags, ['shop', 'catalog']);
  t.deepEqual(r.Meta, { version: '1.4.0', region: 'eu-west', zone: 'eu-west-b', instance: '2' });
  t.deepEqual(r.Weights, { Passing: 10, Warning: 1 });
});

test('registration - tags are copied, not shared with the input', (t) => {
  const tags = ['a'];
  const r = buildRegistration({ ...input, tags });
  tags.push('b');
  t.deepEqual(r.Tags, ['a']);
});

test('registration - a gRPC health check on the app address, durations in Go syntax', (t) => {
  const r = buildRegistration(input);
  t.deepEqual(r.Check, {
    CheckID: 'catalog-2:grpc-health',
    Name: 'catalog gRPC health',
    GRPC: '127.0.0.1:50101',
    GRPCUseTLS: false,
    Interval: '5s',
    Timeout: '1500ms',
    DeregisterCriticalServiceAfter: '60s',
  });
});

test('registration - whole seconds are written as "Ns", anything else as "Nms"', (t) => {
  const r = buildRegistration({ ...input, checkIntervalMs: 10_000, checkTimeoutMs: 250, deregisterCriticalAfterMs: 90_500 });
  t.is(r.Check.Interval, '10s');
  t.is(r.Check.Timeout, '250ms');
  t.is(r.Check.DeregisterCriticalServiceAfter, '90500ms');
});

test('registration - the sidecar port is set when above 0', (t) => {
  const r = buildRegistration(input);
  t.is(r.Connect.SidecarService.Port, 21101);
});

test('registration - the sidecar port is left out when 0, so Consul picks one', (t) => {
  const r = buildRegistration({ ...input, sidecarPort: 0 });
  t.false('Port' in r.Connect.SidecarService);
  // Left out, not sent as null or 0: the JSON body must not mention it.
  t.false(JSON.stringify(r).includes('"Port":0'));
});

test('registration - upstreams map to the sidecar proxy upstreams', (t) => {
  const r = buildRegistration(input);
  t.deepEqual(r.Connect.SidecarService.Proxy.Upstreams, [
    { DestinationName: 'inventory', LocalBindPort: 9191 },
    { DestinationName: 'pricing', LocalBindPort: 9192 },
  ]);
});

test('registration - no upstreams gives an empty list', (t) => {
  const r = buildRegistration({ ...input, upstreams: [] });
  t.deepEqual(r.Connect.SidecarService.Proxy.Upstreams, []);
});

test('registration - the sidecar carries the instance weights, since callers are balanced over sidecars', (t) => {
  const r = buildRegistration({ ...input, weights: { passing: 7, warning: 2 } });
  t.deepEqual(r.Connect.SidecarService.Weights, { Passing: 7, Warning: 2 });
});
