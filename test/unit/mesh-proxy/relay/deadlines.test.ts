import test from 'ava';
import { Deadlines, type Expirable } from '../../../../mesh-proxy/src/relay/deadlines.js';
import { FakeClock } from '../../../support/fake-clock.js';
import { REQUEST, header, relayFixture } from './relay-fixture.js';

const RST_CANCEL = 0x8;
const DEADLINE_EXCEEDED = '4';

function item(deadline: number | undefined, expired: string[], name = String(deadline)): Expirable {
  return { deadline, deadlineSlot: -1, expire: () => expired.push(name) };
}

// ---------------------------------------------------------------- the heap and its one timer

test('deadlines - calls expire in deadline order, each once, on one timer', async (t) => {
  const clock = new FakeClock(0);
  const deadlines = new Deadlines(clock);
  const expired: string[] = [];
  for (const at of [300, 100, 200, 100, 500]) deadlines.add(item(at, expired));
  t.is(clock.pending, 1, 'one timer, however many calls');
  await clock.advance(150);
  t.deepEqual(expired, ['100', '100']);
  await clock.advance(200);
  t.deepEqual(expired, ['100', '100', '200', '300']);
  t.is(deadlines.size, 1);
  await clock.advance(1000);
  t.deepEqual(expired, ['100', '100', '200', '300', '500']);
  t.is(deadlines.size, 0);
  t.is(clock.pending, 0, 'no timer left once the heap is empty');
});

test('deadlines - a call that ends first is removed and never expires, wherever it sits in the heap', async (t) => {
  const clock = new FakeClock(0);
  const deadlines = new Deadlines(clock);
  const expired: string[] = [];
  const items = [50, 10, 40, 20, 30, 60, 70].map((at) => item(at, expired));
  for (const i of items) deadlines.add(i);
  deadlines.remove(items[1]!); // the head (10)
  deadlines.remove(items[4]!); // an inner one (30)
  deadlines.remove(items[4]!); // twice: no-op
  t.is(deadlines.size, 5);
  await clock.advance(100);
  t.deepEqual(expired, ['20', '40', '50', '60', '70']);
});

test('deadlines - an earlier deadline re-arms the timer; a later one does not', async (t) => {
  const clock = new FakeClock(0);
  const deadlines = new Deadlines(clock);
  const expired: string[] = [];
  deadlines.add(item(1000, expired));
  deadlines.add(item(2000, expired));
  t.deepEqual(clock.sleeps, [1000]);
  deadlines.add(item(100, expired));
  t.deepEqual(clock.sleeps, [1000, 100]);
  t.is(clock.pending, 1, 'the later timer was cancelled');
  await clock.advance(100);
  t.deepEqual(expired, ['100']);
});

test('deadlines - calls without a deadline are not held; close() stops the timer', async (t) => {
  const clock = new FakeClock(0);
  const deadlines = new Deadlines(clock);
  const expired: string[] = [];
  deadlines.add(item(undefined, expired));
  t.is(deadlines.size, 0);
  t.is(clock.pending, 0);
  deadlines.add(item(10, expired));
  deadlines.close();
  await clock.advance(100);
  t.deepEqual(expired, []);
  t.is(clock.pending, 0);
});

test('deadlines - one call that throws while expiring does not stop the others', async (t) => {
  const clock = new FakeClock(0);
  const deadlines = new Deadlines(clock);
  const expired: string[] = [];
  deadlines.add({
    deadline: 10,
    deadlineSlot: -1,
    expire: () => {
      throw new Error('stream already closed');
    },
  });
  deadlines.add(item(10, expired));
  await clock.advance(10);
  t.deepEqual(expired, ['10']);
});

// ---------------------------------------------------------------- the relay enforces them

test('relay deadline - a caller that never resets gets DEADLINE_EXCEEDED at its deadline, and an upstream that ignores grpc-timeout is cancelled', async (t) => {
  const clock = new FakeClock();
  const f = await relayFixture(t, { clock });
  const id = f.client.openStream([...REQUEST, ['grpc-timeout', '400m']], true);
  const request = await f.atUpstream.next('headers');
  t.is(header(request.headers, 'grpc-timeout'), '400m', 'the time left is passed on');
  t.is(f.listener.activeCalls, 1);
  await clock.advance(399);
  t.is(f.fromRelay.of('headers').length, 0, 'not before the deadline');
  await clock.advance(1);
  const answer = await f.fromRelay.next('headers', (e) => e.id === id);
  t.true(answer.end, 'a trailers-only response');
  t.is(header(answer.headers, 'grpc-status'), DEADLINE_EXCEEDED);
  const reset = await f.atUpstream.next('reset', (e) => e.id === request.id);
  t.is(reset.code, RST_CANCEL, 'the upstream sees the call cancelled');
  t.is(f.listener.activeCalls, 0);
});

test('relay deadline - once the response began, an expired deadline resets both streams with CANCEL', async (t) => {
  const clock = new FakeClock();
  const f = await relayFixture(t, { clock });
  const id = f.client.openStream([...REQUEST, ['grpc-timeout', '1S']], true);
  const request = await f.atUpstream.next('headers');
  f.upstream().sendHeaders(request.id, [[':status', '200'], ['content-type', 'application/grpc']], false);
  await f.fromRelay.next('headers', (e) => e.id === id);
  await clock.advance(1000);
  t.is((await f.fromRelay.next('reset', (e) => e.id === id)).code, RST_CANCEL);
  t.is((await f.atUpstream.next('reset', (e) => e.id === request.id)).code, RST_CANCEL);
});

test('relay deadline - a call answered in time leaves nothing behind, and a call without grpc-timeout is never expired', async (t) => {
  const clock = new FakeClock();
  const f = await relayFixture(t, { clock });
  const timed = f.client.openStream([...REQUEST, ['grpc-timeout', '1S']], true);
  const untimed = f.client.openStream(REQUEST, true);
  await f.atUpstream.until(() => f.atUpstream.of('headers').length === 2, 'two requests upstream');
  const [first, second] = f.atUpstream.of('headers');
  t.is(header(second!.headers, 'grpc-timeout'), undefined, 'no deadline is invented');
  const ok: Array<[string, string]> = [
    [':status', '200'],
    ['content-type', 'application/grpc'],
    ['grpc-status', '0'],
  ];
  f.upstream().sendHeaders(first!.id, ok, true);
  await f.fromRelay.next('headers', (e) => e.id === timed);
  await clock.advance(60_000);
  t.is(f.fromRelay.of('headers').filter((e) => e.id === untimed).length, 0, 'the untimed call is still waiting for its answer');
  t.is(f.atUpstream.of('reset').length, 0);
  f.upstream().sendHeaders(second!.id, ok, true);
  await f.fromRelay.next('headers', (e) => e.id === untimed);
  t.is(f.listener.activeCalls, 0);
});
