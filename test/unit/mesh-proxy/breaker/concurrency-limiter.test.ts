import test from 'ava';
import { ConcurrencyLimiter, Overloaded, type Release } from '../../../../mesh-proxy/src/breaker/index.js';

const sync = (r: Release | Promise<Release>): Release => {
  if (typeof r !== 'function') throw new Error('expected a slot at once');
  return r;
};
const flush = () => new Promise((r) => setImmediate(r));

test('concurrency limiter - a free slot is granted synchronously, without a promise', (t) => {
  const limiter = new ConcurrencyLimiter({ maxActive: 2 });
  const r1 = limiter.acquire();
  const r2 = limiter.acquire();
  t.is(typeof r1, 'function');
  t.is(typeof r2, 'function');
  t.like(limiter.stats(), { active: 2, pending: 0 });
  sync(r1)();
  sync(r2)();
  t.like(limiter.stats(), { active: 0, pending: 0 });
});

test('concurrency limiter - waiters get slots in FIFO order as they are released', async (t) => {
  const limiter = new ConcurrencyLimiter({ maxActive: 1, maxPending: 10 });
  const first = sync(limiter.acquire());
  const order: number[] = [];
  const waiters = [1, 2, 3].map((n) =>
    (limiter.acquire() as Promise<Release>).then((release) => {
      order.push(n);
      return release;
    }),
  );
  t.like(limiter.stats(), { active: 1, pending: 3 });
  first();
  await flush();
  t.deepEqual(order, [1]);
  (await waiters[0]!)();
  await flush();
  (await waiters[1]!)();
  await flush();
  t.deepEqual(order, [1, 2, 3]);
  (await waiters[2]!)();
  t.like(limiter.stats(), { active: 0, pending: 0 });
});

test('concurrency limiter - a released slot goes to the oldest waiter, not to a newcomer', async (t) => {
  const limiter = new ConcurrencyLimiter({ maxActive: 1, maxPending: 10 });
  const first = sync(limiter.acquire());
  const waiter = limiter.acquire() as Promise<Release>;
  first();
  const newcomer = limiter.acquire();
  t.true(newcomer instanceof Promise, 'the newcomer has to queue');
  (await waiter)();
  (await newcomer)();
  t.like(limiter.stats(), { active: 0, pending: 0 });
});

test('concurrency limiter - sheds with Overloaded max_pending when the queue is full', (t) => {
  const limiter = new ConcurrencyLimiter({ maxActive: 1, maxPending: 1 });
  sync(limiter.acquire());
  void limiter.acquire();
  const error = t.throws(() => limiter.acquire(), { instanceOf: Overloaded });
  t.like(error, { reason: 'max_pending', limit: 1, message: 'upstream overloaded: 1 requests already waiting for a connection slot' });
  t.like(limiter.stats(), { active: 1, pending: 1, shedMaxPending: 1, shedMaxActive: 0 });
});

test('concurrency limiter - with no queue, sheds with Overloaded max_active', (t) => {
  const limiter = new ConcurrencyLimiter({ maxActive: 2, maxPending: 0 });
  sync(limiter.acquire());
  sync(limiter.acquire());
  t.like(t.throws(() => limiter.acquire(), { instanceOf: Overloaded }), { reason: 'max_active', limit: 2 });
  t.like(limiter.stats(), { shedMaxActive: 1, shedMaxPending: 0 });
});

test('concurrency limiter - releasing twice frees one slot', (t) => {
  const limiter = new ConcurrencyLimiter({ maxActive: 2 });
  const release = sync(limiter.acquire());
  sync(limiter.acquire());
  release();
  release();
  t.like(limiter.stats(), { active: 1 });
});

test('concurrency limiter - an aborted waiter leaves the queue and rejects with the signal reason', async (t) => {
  const limiter = new ConcurrencyLimiter({ maxActive: 1, maxPending: 10 });
  const first = sync(limiter.acquire());
  const deadline = new AbortController();
  const gone = limiter.acquire(deadline.signal);
  const next = limiter.acquire() as Promise<Release>;
  t.like(limiter.stats(), { pending: 2 });
  deadline.abort(new Error('deadline exceeded'));
  await t.throwsAsync(gone as Promise<Release>, { message: 'deadline exceeded' });
  t.like(limiter.stats(), { pending: 1, abandoned: 1 });
  first();
  (await next)();
  t.like(limiter.stats(), { active: 0, pending: 0 });
});

test('concurrency limiter - an already aborted signal gets no slot', (t) => {
  const limiter = new ConcurrencyLimiter();
  t.throws(() => limiter.acquire(AbortSignal.abort(new Error('cancelled'))), { message: 'cancelled' });
  t.like(limiter.stats(), { active: 0 });
});

test('concurrency limiter - a granted waiter keeps its slot if its signal aborts afterwards', async (t) => {
  const limiter = new ConcurrencyLimiter({ maxActive: 1 });
  const first = sync(limiter.acquire());
  const controller = new AbortController();
  const waiter = limiter.acquire(controller.signal) as Promise<Release>;
  first();
  const release = await waiter;
  controller.abort();
  t.like(limiter.stats(), { active: 1, pending: 0, abandoned: 0 });
  release();
  t.like(limiter.stats(), { active: 0 });
});

test('concurrency limiter - defaults are 1024 active and 1024 pending; bad options name the property', (t) => {
  const limiter = new ConcurrencyLimiter();
  t.is(limiter.maxActive, 1024);
  t.is(limiter.maxPending, 1024);
  t.throws(() => new ConcurrencyLimiter({ maxActive: 0 }), { message: /^maxActive must be an integer ≥ 1, got 0$/ });
  t.throws(() => new ConcurrencyLimiter({ maxPending: -1 }), { message: /^maxPending must be/ });
});
