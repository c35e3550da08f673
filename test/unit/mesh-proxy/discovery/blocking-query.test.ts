import test from 'ava';
import { FakeClock, InstantClock } from '../../../support/fake-clock.js';
import { blockingQuery, blockingTimeouts, nextIndex, type BlockingEvent } from '../../../../mesh-proxy/src/discovery/index.js';
import { FakeAgent } from './fake-agent.js';

/** Pulls events from the loop one at a time. */
function run(
  agent: FakeAgent,
  opts: { clock?: FakeClock; random?: () => number; mode?: 'index' | 'hash'; waitMs?: number; rateLimit?: { burst: number; intervalMs: number } } = {},
) {
  const abort = new AbortController();
  const events = blockingQuery<unknown>({
    client: agent.client(),
    path: '/v1/health/connect/inventory',
    query: { passing: 1 },
    decode: (b) => b,
    signal: abort.signal,
    clock: opts.clock ?? new InstantClock(),
    random: opts.random ?? (() => 0.5),
    waitMs: opts.waitMs ?? 10_000,
    ...(opts.mode && { mode: opts.mode }),
    ...(opts.rateLimit && { rateLimit: opts.rateLimit }),
  });
  return { abort, next: async (): Promise<BlockingEvent<unknown> | undefined> => (await events.next()).value ?? undefined };
}

test('blocking index - goes back to 0 when the index goes backwards, and never asks with 0 after an answer', (t) => {
  t.is(nextIndex(0, 15), 15);
  t.is(nextIndex(15, 20), 20);
  t.is(nextIndex(20, 20), 20);
  t.is(nextIndex(20, 3), 0, 'a new agent or a restored snapshot: restart the loop');
  t.is(nextIndex(0, 0), 1, 'index 0 is a Consul bug: 1 is always safe and blocks');
  t.is(nextIndex(20, 0), 0);
});

test('blocking query - starts at index 0, then waits on the returned index with ?wait', async (t) => {
  const agent = new FakeAgent();
  const q = run(agent, { waitMs: 30_000 });
  const first = q.next();
  const r1 = await agent.next();
  t.is(r1.param('index'), undefined);
  t.is(r1.param('wait'), '30s');
  t.is(r1.param('passing'), '1');
  r1.reply({ body: ['a'], index: 10 });
  t.deepEqual(await first, { kind: 'update', value: ['a'], index: 10 });

  const second = q.next();
  const r2 = await agent.next();
  t.is(r2.param('index'), '10');
  r2.reply({ body: ['a'], index: 10 });
  t.deepEqual(await second, { kind: 'unchanged', index: 10 }, 'same index: not an update, whatever the body');

  const third = q.next();
  (await agent.next()).reply({ body: ['a', 'b'], index: 12 });
  t.deepEqual(await third, { kind: 'update', value: ['a', 'b'], index: 12 });
  q.abort.abort();
});

test('blocking query - an index that goes backwards is delivered and the next request starts over from 0', async (t) => {
  const agent = new FakeAgent();
  const q = run(agent);
  const e1 = q.next();
  (await agent.next()).reply({ body: ['old'], index: 500 });
  await e1;
  const e2 = q.next();
  (await agent.next()).reply({ body: ['new'], index: 7 });
  t.deepEqual(await e2, { kind: 'update', value: ['new'], index: 0 });
  const e3 = q.next();
  const r3 = await agent.next();
  t.is(r3.param('index'), undefined, 'reset to 0: answers at once');
  r3.reply({ body: ['new'], index: 9 });
  t.deepEqual(await e3, { kind: 'update', value: ['new'], index: 9 });
  q.abort.abort();
});

test('blocking query - an index of 0 is sanitised to 1 so the next request blocks', async (t) => {
  const agent = new FakeAgent();
  const q = run(agent);
  const e1 = q.next();
  (await agent.next()).reply({ body: [], index: 0 });
  t.deepEqual(await e1, { kind: 'update', value: [], index: 1 });
  void q.next();
  t.is((await agent.next()).param('index'), '1');
  q.abort.abort();
});

test('blocking query - errors back off with injected jitter, then start again from index 0', async (t) => {
  const agent = new FakeAgent();
  const clock = new FakeClock();
  const q = run(agent, { clock, random: () => 0.5, rateLimit: { burst: 100, intervalMs: 1000 } });
  const e1 = q.next();
  (await agent.next()).reply({ body: ['a'], index: 10 });
  await e1;

  const e2 = q.next();
  (await agent.next()).refuse();
  const err = await e2;
  t.like(err, { kind: 'error', attempt: 1, retryInMs: 125 }); // full jitter: 0.5 * 250
  t.regex((err as { error: Error }).error.message, /^consul GET \/v1\/health\/connect\/inventory at http:\/\/127\.0\.0\.1:8500: ECONNREFUSED$/);

  const e3 = q.next();
  await clock.advance(124);
  t.is(agent.seen.length, 2, 'still backing off');
  await clock.advance(1);
  const r3 = await agent.next();
  r3.refuse();
  t.like(await e3, { kind: 'error', attempt: 2, retryInMs: 250 });

  const e4 = q.next();
  await clock.advance(250);
  const r4 = await agent.next();
  t.is(r4.param('index'), undefined, 'after an error the agent may be new: ask from 0');
  r4.reply({ body: ['a'], index: 3 });
  t.deepEqual(await e4, { kind: 'update', value: ['a'], index: 3 });
  t.deepEqual(clock.sleeps, [125, 250]);
  q.abort.abort();
});

test('blocking query - a decode failure is an error event naming the call; the loop goes on', async (t) => {
  const agent = new FakeAgent();
  const abort = new AbortController();
  const events = blockingQuery({
    client: agent.client(),
    path: '/v1/health/connect/x',
    decode: () => {
      throw new Error('expected an array');
    },
    signal: abort.signal,
    clock: new InstantClock(),
  });
  const e = events.next();
  (await agent.next()).reply({ body: {}, index: 4 });
  const ev = (await e).value;
  t.is(ev?.kind, 'error');
  t.is((ev as { error: Error }).error.message, 'consul GET /v1/health/connect/x at http://127.0.0.1:8500: unreadable answer: expected an array');
  abort.abort();
});

test('blocking query - churn is rate-limited by a token bucket (burst 2), not slept on every loop', async (t) => {
  const agent = new FakeAgent();
  const clock = new FakeClock();
  const q = run(agent, { clock });
  for (let i = 1; i <= 2; i++) {
    const e = q.next();
    (await agent.next()).reply({ body: [i], index: 10 * i });
    await e;
  }
  t.deepEqual(clock.sleeps, [], 'a burst of two goes through at once');
  const e3 = q.next();
  await new Promise((r) => setImmediate(r));
  t.is(agent.seen.length, 2, 'the third waits for a token');
  t.deepEqual(clock.sleeps, [1000]);
  await clock.advance(1000);
  (await agent.next()).reply({ body: [3], index: 30 });
  t.like(await e3, { kind: 'update', index: 30 });
  q.abort.abort();
});

test('blocking query - aborting ends the loop at once, even mid long poll', async (t) => {
  const agent = new FakeAgent();
  const q = run(agent);
  const e1 = q.next();
  const req = await agent.next();
  q.abort.abort();
  await req.aborted;
  t.is(await e1, undefined, 'the generator returned');
});

test('blocking query - hash mode sends ?hash= and compares content hashes', async (t) => {
  const agent = new FakeAgent();
  const q = run(agent, { mode: 'hash' });
  const e1 = q.next();
  const r1 = await agent.next();
  t.is(r1.param('hash'), undefined);
  r1.reply({ body: { v: 1 }, hash: 'h1' });
  t.like(await e1, { kind: 'update', value: { v: 1 } });
  const e2 = q.next();
  const r2 = await agent.next();
  t.is(r2.param('hash'), 'h1');
  t.is(r2.param('index'), undefined);
  r2.reply({ body: { v: 1 }, hash: 'h1' });
  t.like(await e2, { kind: 'unchanged' });
  const e3 = q.next();
  (await agent.next()).reply({ body: { v: 2 }, hash: 'h2' });
  t.like(await e3, { kind: 'update', value: { v: 2 } });
  q.abort.abort();
});

test('blocking timeouts - the request timeout must outlast wait plus Consul jitter (wait/16)', (t) => {
  t.deepEqual(blockingTimeouts('/p', 16_000), { waitMs: 16_000, requestTimeoutMs: 17_000 + 5_000 });
  t.deepEqual(blockingTimeouts('/p', 16_000, 17_001), { waitMs: 16_000, requestTimeoutMs: 17_001 });
  t.throws(() => blockingTimeouts('/p', 16_000, 17_000), {
    message: "blocking query /p: requestTimeoutMs (17000) must exceed wait (16000) plus Consul's jitter of up to wait/16 (17000 in all)",
  });
  t.throws(() => blockingTimeouts('/p', 0), { message: /waitMs: expected an integer in 1\.\.270000, got 0/ });
  t.throws(() => blockingTimeouts('/p', 600_000), { message: /waitMs/ }, "over undici's 300 s header timeout");
});
