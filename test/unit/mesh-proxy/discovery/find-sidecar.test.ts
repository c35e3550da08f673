import test from 'ava';
import { FakeClock } from '../../../support/fake-clock.js';
import { findSidecar, SidecarRegistrationError, type SidecarWait } from '../../../../mesh-proxy/src/discovery/index.js';
import { agentAnswer, FakeAgent } from './fake-agent.js';

const app = { ID: 'inventory-a', Service: 'inventory', Port: 40001 };

test('find sidecar - waits, polling /v1/agent/services, until the proxy for the service appears', async (t) => {
  const agent = new FakeAgent();
  const clock = new FakeClock();
  const waits: SidecarWait[] = [];
  const found = findSidecar(agent.client(), 'inventory-a', { clock, pollIntervalMs: 500, onWait: (w) => waits.push(w) });

  const r1 = await agent.next();
  t.is(r1.url.pathname, '/v1/agent/services');
  r1.reply({ body: { 'other-sidecar-proxy': { ...agentAnswer(), ID: 'other-sidecar-proxy', Proxy: { DestinationServiceID: 'other' } } } });
  await new Promise((r) => setImmediate(r));
  t.deepEqual(waits, [{ kind: 'not-registered', serviceId: 'inventory-a' }]);
  t.deepEqual(clock.sleeps, [500]);

  await clock.advance(500);
  (await agent.next()).reply({ body: { 'inventory-a': app, 'inventory-a-sidecar-proxy': agentAnswer() } });
  const r3 = await agent.next();
  t.is(r3.url.pathname, '/v1/agent/service/inventory-a-sidecar-proxy');
  r3.reply({ body: agentAnswer(), hash: 'h' });
  t.like(await found, { proxyId: 'inventory-a-sidecar-proxy', port: 41001, localServicePort: 40001 });
});

test('find sidecar - a proxy without LocalServicePort uses the destination service port, waiting for it to register', async (t) => {
  const agent = new FakeAgent();
  const clock = new FakeClock();
  const waits: SidecarWait[] = [];
  const raw = agentAnswer();
  delete raw.Proxy.LocalServicePort;
  const found = findSidecar(agent.client(), 'inventory-a', { clock, onWait: (w) => waits.push(w) });
  (await agent.next()).reply({ body: { p: raw } });
  (await agent.next()).reply({ body: raw });
  const dest = await agent.next();
  t.is(dest.url.pathname, '/v1/agent/service/inventory-a');
  dest.reply({ status: 404, body: 'unknown service ID: inventory-a' });
  await new Promise((r) => setImmediate(r));
  t.deepEqual(waits, [{ kind: 'destination-not-registered', proxyId: 'inventory-a-sidecar-proxy', destinationServiceId: 'inventory-a' }]);
  await clock.advance(500);
  (await agent.next()).reply({ body: { p: raw } });
  (await agent.next()).reply({ body: raw });
  (await agent.next()).reply({ body: { ...app, Port: 40009 } });
  t.is((await found).localServicePort, 40009);
});

test('find sidecar - an unreachable agent is retried with jittered backoff', async (t) => {
  const agent = new FakeAgent();
  const clock = new FakeClock();
  const waits: SidecarWait[] = [];
  const tick = () => new Promise((r) => setImmediate(r));
  const found = findSidecar(agent.client(), 'inventory-a', { clock, random: () => 0.5, backoff: { baseMs: 100, maxMs: 1000 }, onWait: (w) => waits.push(w) });
  (await agent.next()).refuse();
  await tick();
  t.like(waits[0], { kind: 'agent-error', attempt: 1, retryInMs: 50 });
  t.regex((waits[0] as { error: Error }).error.message, /^consul GET \/v1\/agent\/services at http:\/\/127\.0\.0\.1:8500: ECONNREFUSED$/);
  await clock.advance(50);
  (await agent.next()).refuse();
  await tick();
  t.deepEqual(clock.sleeps, [50, 100], 'doubles, with jitter');
  await clock.advance(100);
  (await agent.next()).reply({ body: { p: agentAnswer() } });
  (await agent.next()).reply({ body: agentAnswer() });
  t.is((await found).proxyId, 'inventory-a-sidecar-proxy');
});

test('find sidecar - two proxies for one service is an error naming both', async (t) => {
  const agent = new FakeAgent();
  const found = findSidecar(agent.client(), 'inventory-a', { clock: new FakeClock() });
  (await agent.next()).reply({ body: { x: { ...agentAnswer(), ID: 'x' }, y: { ...agentAnswer(), ID: 'y' } } });
  await t.throwsAsync(found, { message: 'more than one connect-proxy is registered for inventory-a (x, y): the sidecar cannot tell which it is' });
});

test('find sidecar - an invalid registration stops start-up with the field', async (t) => {
  const agent = new FakeAgent();
  const raw = agentAnswer();
  raw.Port = -1;
  const found = findSidecar(agent.client(), 'inventory-a', { clock: new FakeClock() });
  (await agent.next()).reply({ body: { p: raw } });
  (await agent.next()).reply({ body: raw });
  await t.throwsAsync(found, { instanceOf: SidecarRegistrationError, message: /Port: expected a port/ });
});

test('find sidecar - aborting while waiting rejects with the reason', async (t) => {
  const agent = new FakeAgent();
  const abort = new AbortController();
  const found = findSidecar(agent.client(), 'inventory-a', { clock: new FakeClock(), signal: abort.signal });
  (await agent.next()).reply({ body: {} });
  await new Promise((r) => setImmediate(r));
  const reason = new Error('stop');
  abort.abort(reason);
  t.is(await t.throwsAsync(found), reason);
});
