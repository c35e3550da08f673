import test from 'ava';
import { createBalancer, effectiveWeight, type Balancer } from '../../../../mesh-proxy/src/balance/index.js';
import { countPicks, ep, type Endpoint } from './randoms.js';

const swrr = (...endpoints: Endpoint[]): Balancer<Endpoint> => {
  const b = createBalancer<Endpoint>('weighted_round_robin');
  b.update(endpoints);
  return b;
};
const ids = (b: Balancer<Endpoint>, n: number, eligible?: (e: Endpoint) => boolean) =>
  Array.from({ length: n }, () => b.pick(eligible)?.id ?? '-').join('');

test('weighted round robin - interleaves picks as nginx does: 5,1,1 give aabacaa', (t) => {
  const b = swrr(ep('a', 5), ep('b'), ep('c'));
  t.is(ids(b, 14), 'aabacaa'.repeat(2));
});

test('weighted round robin - each full cycle gives every endpoint exactly its weight', (t) => {
  const b = swrr(ep('a', 3), ep('b', 1), ep('c', 2));
  for (let cycle = 0; cycle < 50; cycle++) t.deepEqual(countPicks(() => b.pick(), 6), { a: 3, b: 1, c: 2 });
  const threeToOne = swrr(ep('x', 3), ep('y', 1));
  t.deepEqual(countPicks(() => threeToOne.pick(), 4000), { x: 3000, y: 1000 });
});

test('weighted round robin - weights 0, negative, NaN and Infinity count as 1', (t) => {
  const b = swrr(ep('a', 0), ep('b', -3), ep('c', Number.NaN), ep('d', Number.POSITIVE_INFINITY));
  t.is(ids(b, 8), 'abcdabcd');
  t.deepEqual([2.7, 1, 0.5].map(effectiveWeight), [2, 1, 1]);
});

test('weighted round robin - an update with the same endpoints continues the sequence', (t) => {
  const b = swrr(ep('a', 5), ep('b'), ep('c'));
  t.is(ids(b, 3), 'aab');
  b.update([ep('c'), ep('a', 5), ep('b')]); // new objects, another order
  t.is(ids(b, 4), 'acaa');
});

test('weighted round robin - an endpoint added mid-rotation joins without resetting the others', (t) => {
  const b = swrr(ep('a'), ep('b'));
  t.is(ids(b, 1), 'a');
  b.update([ep('a'), ep('b'), ep('c')]);
  // b was owed the next pick before the update and still gets it; a restart would have given a.
  t.is(ids(b, 1), 'b');
  t.deepEqual(countPicks(() => b.pick(), 299), { a: 100, b: 99, c: 100 });
});

test('weighted round robin - removing an endpoint mid-rotation keeps the others in proportion', (t) => {
  const b = swrr(ep('a', 2), ep('b'), ep('c'));
  t.is(ids(b, 2), 'ab');
  b.update([ep('a', 2), ep('b')]);
  t.deepEqual(countPicks(() => b.pick(), 300), { a: 200, b: 100 });
});

test('weighted round robin - ineligible endpoints are skipped and bank no credit meanwhile', (t) => {
  const b = swrr(ep('a', 3), ep('b'), ep('c'));
  const notC = (e: Endpoint) => e.id !== 'c';
  // While c is out, a and b keep their 3:1 ratio exactly.
  t.deepEqual(countPicks(() => b.pick(notC), 400), { a: 300, b: 100 });
  // Back, c gets its share, not a burst for the 400 picks it missed.
  t.true((countPicks(() => b.pick(), 5).c ?? 0) <= 1);
  t.deepEqual(countPicks(() => b.pick(), 500), { a: 300, b: 100, c: 100 });
});

test('weighted round robin - a retry excluding the endpoint it tried gets another one', (t) => {
  const b = swrr(ep('a', 5), ep('b'), ep('c'));
  const first = b.pick()!;
  const retry = b.pick((e) => e.id !== first.id);
  t.is(first.id, 'a');
  t.truthy(retry);
  t.not(retry!.id, 'a');
});

test('weighted round robin - undefined when the set is empty or nothing is eligible, without moving the rotation', (t) => {
  t.is(swrr().pick(), undefined);
  const b = swrr(ep('a', 5), ep('b'), ep('c'));
  t.is(b.pick(() => false), undefined);
  t.is(ids(b, 7), 'aabacaa');
});
