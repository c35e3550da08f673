import test from 'ava';
import { parseSidecarRegistration, SidecarRegistrationError } from '../../../../mesh-proxy/src/discovery/index.js';
import { agentAnswer } from './fake-agent.js';

test("sidecar registration - reads Consul 1.8's agent answer", (t) => {
  t.deepEqual(parseSidecarRegistration(agentAnswer()), {
    proxyId: 'inventory-a-sidecar-proxy',
    proxyName: 'inventory-sidecar-proxy',
    address: '127.0.0.1',
    port: 41001,
    destinationServiceName: 'inventory',
    destinationServiceId: 'inventory-a',
    localServiceAddress: '127.0.0.1',
    localServicePort: 40001,
    upstreams: [
      { destinationName: 'catalog', destinationType: 'service', datacenter: undefined, localBindAddress: '127.0.0.1', localBindPort: 42001, config: {} },
      { destinationName: 'payments', destinationType: 'service', datacenter: undefined, localBindAddress: '127.0.0.1', localBindPort: 42002, config: { balancer: 'round_robin' } },
    ],
    config: { shutdownGraceMs: 5000 },
  });
});

test('sidecar registration - defaults: bind 0.0.0.0 without Address, local service on 127.0.0.1 at the destination port, no config', (t) => {
  const raw = agentAnswer();
  raw.Address = '';
  delete raw.Proxy.LocalServiceAddress;
  delete raw.Proxy.LocalServicePort;
  delete raw.Proxy.Config;
  delete raw.Proxy.Upstreams;
  const reg = parseSidecarRegistration(raw, 40005);
  t.like(reg, { address: '0.0.0.0', localServiceAddress: '127.0.0.1', localServicePort: 40005, config: {}, upstreams: [] });
});

test('sidecar registration - the catalog\'s "Config": null upstream config is an empty object; a datacenter is kept', (t) => {
  const raw = agentAnswer();
  (raw.Proxy.Upstreams as Array<Record<string, unknown>>)[0] = { DestinationName: 'catalog', LocalBindPort: 1, Config: null, Datacenter: 'dc2', LocalBindAddress: '127.0.0.2' };
  t.like(parseSidecarRegistration(raw).upstreams[0], { config: {}, datacenter: 'dc2', localBindAddress: '127.0.0.2', destinationType: 'service' });
});

test('sidecar registration - the result is frozen', (t) => {
  const reg = parseSidecarRegistration(agentAnswer());
  t.true(Object.isFrozen(reg) && Object.isFrozen(reg.upstreams) && Object.isFrozen(reg.upstreams[1]!.config));
});

test('sidecar registration - invalid fields are named with the proxy ID', (t) => {
  const cases: Array<[(r: ReturnType<typeof agentAnswer>) => void, string]> = [
    [(r) => (r.Kind = 'typical'), 'Kind: expected "connect-proxy", got "typical"'],
    [(r) => (r.Port = 0), 'Port: expected a port (1-65535), got 0'],
    [(r) => delete r.Proxy.DestinationServiceID, 'Proxy.DestinationServiceID: expected a non-empty string, got nothing'],
    [(r) => (r.Proxy.LocalServicePort = 70000), 'Proxy.LocalServicePort: expected a port (1-65535), got 70000'],
    [(r) => delete r.Proxy.LocalServicePort, 'Proxy.LocalServicePort: not set, and the port of destination service inventory-a is unknown'],
    [(r) => ((r.Proxy.Upstreams as Array<Record<string, unknown>>)[1]!.LocalBindPort = undefined), 'Proxy.Upstreams[1].LocalBindPort: expected a port (1-65535), got nothing'],
    [
      (r) => ((r.Proxy.Upstreams as Array<Record<string, unknown>>)[0]!.DestinationType = 'prepared_query'),
      'Proxy.Upstreams[0].DestinationType: only "service" upstreams are supported, got "prepared_query" for catalog',
    ],
    [(r) => ((r.Proxy.Upstreams as Array<Record<string, unknown>>)[1]!.LocalBindPort = 42001), 'Proxy.Upstreams: payments and catalog both bind 127.0.0.1:42001'],
    [(r) => (r.Proxy.Config = [] as never), 'Proxy.Config: expected an object, got []'],
  ];
  for (const [mutate, message] of cases) {
    const raw = agentAnswer();
    mutate(raw);
    t.throws(() => parseSidecarRegistration(raw), { instanceOf: SidecarRegistrationError, message: `sidecar registration inventory-a-sidecar-proxy: ${message}` });
  }
});
