import test from 'ava';
import { InstantClock } from '../../../support/fake-clock.js';
import { parseSidecarRegistration, watchSidecar, type SidecarEvent } from '../../../../mesh-proxy/src/discovery/index.js';
import { agentAnswer, FakeAgent } from './fake-agent.js';

function start(agent: FakeAgent) {
  const events: SidecarEvent[] = [];
  const initial = parseSidecarRegistration(agentAnswer());
  const watch = watchSidecar(agent.client(), initial, { onEvent: (e) => events.push(e), clock: new InstantClock(), random: () => 0 });
  return { events, watch, initial };
}

test('watch sidecar - long-polls /v1/agent/service/<proxyId> by content hash and reports a changed upstream list', async (t) => {
  const agent = new FakeAgent();
  const { events, watch, initial } = start(agent);
  const r1 = await agent.next();
  t.is(r1.url.pathname, '/v1/agent/service/inventory-a-sidecar-proxy');
  t.is(r1.param('hash'), undefined);
  r1.reply({ body: agentAnswer(), hash: 'h1' });

  // Tags are not something the proxy runs from: a new hash, but no change to report.
  const r2 = await agent.next();
  t.is(r2.param('hash'), 'h1');
  r2.reply({ body: { ...agentAnswer(), Tags: ['other'] }, hash: 'h2' });

  const changed = agentAnswer();
  (changed.Proxy.Upstreams as unknown[]).push({ DestinationName: 'orders', LocalBindPort: 42003 });
  (await agent.next()).reply({ body: changed, hash: 'h3' });
  await agent.next();
  t.is(events.length, 1);
  const event = events[0]!;
  if (event.kind !== 'changed') return t.fail(event.kind);
  t.deepEqual(
    event.registration.upstreams.map((u) => u.destinationName),
    ['catalog', 'payments', 'orders'],
  );
  t.is(event.previous, initial);
  t.is(watch.current(), event.registration);
  await watch.close();
});

test('watch sidecar - deregistration is reported once; a re-registration counts as a change', async (t) => {
  const agent = new FakeAgent();
  const { events, watch } = start(agent);
  (await agent.next()).reply({ status: 404, body: 'unknown service ID: inventory-a-sidecar-proxy' });
  (await agent.next()).reply({ status: 404, body: 'unknown service ID: inventory-a-sidecar-proxy' });
  const back = { ...agentAnswer(), Port: 41002 };
  (await agent.next()).reply({ body: back, hash: 'h9' });
  await agent.next();
  t.deepEqual(
    events.map((e) => e.kind),
    ['removed', 'changed'],
  );
  await watch.close();
});

test('watch sidecar - an invalid new registration is an error event; the last good one stays', async (t) => {
  const agent = new FakeAgent();
  const { events, watch, initial } = start(agent);
  (await agent.next()).reply({ body: { ...agentAnswer(), Port: 'x' }, hash: 'h1' });
  await agent.next();
  t.is(events[0]?.kind, 'error');
  t.regex((events[0] as { error: Error }).error.message, /Port: expected a port/);
  t.is(watch.current(), initial);
  await watch.close();
});

test('watch sidecar - close() ends the long poll at once', async (t) => {
  const agent = new FakeAgent();
  const { watch } = start(agent);
  (await agent.next()).reply({ body: agentAnswer(), hash: 'h1' });
  const poll = await agent.next();
  await watch.close();
  await poll.aborted;
  t.pass();
});
