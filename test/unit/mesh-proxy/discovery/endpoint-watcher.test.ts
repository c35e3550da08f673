import test from 'ava';
import { FakeClock, InstantClock } from '../../../support/fake-clock.js';
import { EndpointWatcher, type Endpoint } from '../../../../mesh-proxy/src/discovery/index.js';
import { FakeAgent, healthEntry } from './fake-agent.js';

function watcher(agent: FakeAgent, clock: FakeClock = new InstantClock()) {
  const updates: Array<readonly Endpoint[]> = [];
  const errors: Error[] = [];
  const staleness: boolean[] = [];
  const w = new EndpointWatcher({
    client: agent.client(),
    upstream: 'inventory',
    onUpdate: (e) => updates.push(e),
    onError: (e) => errors.push(e),
    onStale: (s) => staleness.push(s),
    clock,
    random: () => 0,
    rateLimit: { burst: 1000, intervalMs: 1 },
  }).start();
  return { w, updates, errors, staleness };
}

const ids = (list: readonly Endpoint[]) => list.map((e) => e.serviceId);

test('endpoint watcher - asks /v1/health/connect/<name>?passing and calls onUpdate only when the list changes', async (t) => {
  const agent = new FakeAgent();
  const clock = new FakeClock();
  const { w, updates } = watcher(agent, clock);
  const r1 = await agent.next();
  t.is(r1.url.pathname, '/v1/health/connect/inventory');
  t.is(r1.param('passing'), '1');
  r1.reply({ body: [healthEntry('a', 1)], index: 10 });
  await w.synced;
  t.deepEqual(updates.map(ids), [['a']]);
  t.like(w.state(), { stale: false, lastIndex: 10, lastUpdateAt: clock.now(), synced: true });

  // A new index with the same instances (a check's output changed): no update.
  (await agent.next()).reply({ body: [healthEntry('a', 1)], index: 11 });
  await clock.advance(5);
  (await agent.next()).reply({ body: [healthEntry('a', 1), healthEntry('b', 2)], index: 12 });
  const r4 = await agent.next();
  t.is(r4.param('index'), '12');
  t.deepEqual(updates.map(ids), [['a'], ['a', 'b']]);
  t.like(w.state(), { lastIndex: 12, lastUpdateAt: clock.now() });
  await w.close();
});

test('endpoint watcher - an empty first answer syncs without calling onUpdate', async (t) => {
  const agent = new FakeAgent();
  const { w, updates } = watcher(agent);
  (await agent.next()).reply({ body: [], index: 3 });
  await w.synced;
  t.deepEqual(updates, []);
  t.like(w.state(), { synced: true, endpoints: [] });
  await w.close();
});

test('endpoint watcher - when Consul is unreachable the last list stays, marked stale, until a query succeeds', async (t) => {
  const agent = new FakeAgent();
  const { w, updates, errors, staleness } = watcher(agent);
  (await agent.next()).reply({ body: [healthEntry('a', 1)], index: 10 });
  await w.synced;
  (await agent.next()).refuse();
  (await agent.next()).refuse('ECONNRESET');
  const retry = await agent.next();
  t.deepEqual(staleness, [true], 'told once when it goes stale');
  t.like(w.state(), { stale: true, lastIndex: 0 });
  t.deepEqual(ids(w.state().endpoints), ['a']);
  t.regex(w.state().lastError!.message, /ECONNRESET$/, 'the latest error');
  t.is(errors.length, 2);
  t.regex(errors[0]!.message, /ECONNREFUSED$/);
  t.is(retry.param('index'), undefined);
  retry.reply({ body: [healthEntry('a', 1)], index: 4 });
  await agent.next();
  t.like(w.state(), { stale: false, lastIndex: 4 });
  t.deepEqual(staleness, [true, false]);
  t.deepEqual(updates.map(ids), [['a']], 'same list after recovery: no update');
  await w.close();
});

test('endpoint watcher - close() aborts the long poll at once', async (t) => {
  const agent = new FakeAgent();
  const { w } = watcher(agent);
  (await agent.next()).reply({ body: [], index: 3 });
  const poll = await agent.next();
  t.is(poll.param('index'), '3');
  await w.close();
  await poll.aborted;
  t.pass();
});

test('endpoint watcher - a throwing onUpdate is reported and does not stop the watch', async (t) => {
  const agent = new FakeAgent();
  const errors: Error[] = [];
  const w = new EndpointWatcher({
    client: agent.client(),
    upstream: 'inventory',
    onUpdate: () => {
      throw new Error('listener bug');
    },
    onError: (e) => errors.push(e),
    clock: new InstantClock(),
  }).start();
  (await agent.next()).reply({ body: [healthEntry('a', 1)], index: 3 });
  const next = await agent.next();
  t.deepEqual(
    errors.map((e) => e.message),
    ['listener bug'],
  );
  t.is(next.param('index'), '3');
  await w.close();
});

test('endpoint watcher - asks another datacenter with ?dc=', async (t) => {
  const agent = new FakeAgent();
  const w = new EndpointWatcher({ client: agent.client(), upstream: 'x y', datacenter: 'dc2', onUpdate: () => {} }).start();
  const r = await agent.next();
  t.is(r.url.pathname, '/v1/health/connect/x%20y');
  t.is(r.param('dc'), 'dc2');
  await w.close();
});

test('endpoint watcher - a wait the request timeout cannot cover is refused at construction', (t) => {
  const agent = new FakeAgent();
  t.throws(() => new EndpointWatcher({ client: agent.client(), upstream: 'x', onUpdate: () => {}, waitMs: 10_000, requestTimeoutMs: 10_000 }), {
    message: /^blocking query \/v1\/health\/connect\/x: requestTimeoutMs \(10000\) must exceed wait/,
  });
});
