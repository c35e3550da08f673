import test from 'ava';
import { createBalancer, type Balancer } from '../../../../mesh-proxy/src/balance/index.js';
import type { Random } from '../../../../mesh-proxy/src/clock.js';
import { countPicks, ep, scripted, seeded, type Endpoint } from './randoms.js';

const p2c = (random: Random, ...endpoints: Endpoint[]): Balancer<Endpoint> => {
  const b = createBalancer<Endpoint>('least_request', random);
  b.update(endpoints);
  return b;
};
const load = (b: Balancer<Endpoint>, e: Endpoint, n: number) => {
  for (let i = 0; i < n; i++) b.started(e);
};
/** One request at a time: the set is idle at every pick. */
const idlePick = (b: Balancer<Endpoint>) => () => {
  const e = b.pick();
  if (e) {
    b.started(e);
    b.finished(e);
  }
  return e;
};

test('least request - of the two candidates, the one with fewer requests in flight wins', (t) => {
  const a = ep('a');
  const b = ep('b');
  const balancer = p2c(seeded(1), a, b);
  load(balancer, a, 2);
  t.deepEqual(countPicks(() => balancer.pick(), 100), { b: 100 });
  // Weights only bias which endpoints are drawn: load decides.
  const weighted = p2c(seeded(2), ep('heavy', 10), ep('light', 1));
  load(weighted, ep('heavy', 10), 1);
  t.deepEqual(countPicks(() => weighted.pick(), 100), { light: 100 });
});

test('least request - the most loaded of three is never picked, the idle one whenever drawn', (t) => {
  const [a, b, c] = [ep('a'), ep('b'), ep('c')];
  const balancer = p2c(seeded(3), a, b, c);
  load(balancer, a, 10);
  load(balancer, b, 5);
  const counts = countPicks(() => balancer.pick(), 3000);
  t.is(counts.a, undefined);
  // c is in 2 of the 3 possible pairs.
  t.true(Math.abs((counts.c ?? 0) / 3000 - 2 / 3) < 0.03, JSON.stringify(counts));
});

test('least request - two distinct candidates; a tie goes to the first drawn', (t) => {
  // Equal weights: the first index is floor(r × n), the second floor(r × (n-1)) skipping the first.
  const first = p2c(scripted(0.9, 0.0), ep('a'), ep('b'));
  t.is(first.pick()?.id, 'b');
  const again = p2c(scripted(0.1, 0.0), ep('a'), ep('b'));
  t.is(again.pick()?.id, 'a');
  const three = scripted(0.5, 0.6);
  const b3 = p2c(three, ep('a'), ep('b'), ep('c'));
  load(b3, ep('b'), 1);
  t.is(b3.pick()?.id, 'c'); // draws b, then c (index 1 of the others skips b); c is idle
  t.is(three.used, 2);
});

test('least request - weighted: candidates drawn in proportion to weight, the second among the others', (t) => {
  // Weights 1,2,3 cover [0,1) [1,3) [3,6) of 6; the first candidate is loaded so the second one wins.
  const second = (first: number, r: number, loaded: string) => {
    const b = p2c(scripted(first, r), ep('a', 1), ep('b', 2), ep('c', 3));
    load(b, ep(loaded), 1);
    return b.pick()?.id;
  };
  // a drawn (0 × 6 = 0): the second is drawn over b and c's 5, b below 2/5.
  t.is(second(0, 0.39, 'a'), 'b');
  t.is(second(0, 0.4, 'a'), 'c');
  // b drawn (0.2 × 6 = 1.2): the second is drawn over a and c's 4, a below 1/4.
  t.is(second(0.2, 0.24, 'b'), 'a');
  t.is(second(0.2, 0.25, 'b'), 'c');
});

test('least request - finished requests stop counting', (t) => {
  const [a, b] = [ep('a'), ep('b')];
  const balancer = p2c(seeded(4), a, b);
  load(balancer, a, 3);
  t.is(balancer.pick()?.id, 'b');
  for (let i = 0; i < 3; i++) balancer.finished(a);
  balancer.finished(a); // one too many: never below zero
  load(balancer, b, 1);
  t.is(balancer.pick()?.id, 'a');
});

test('least request - idle endpoints share evenly, or by weight (3:1 → 75 %)', (t) => {
  const even = p2c(seeded(5), ep('a'), ep('b'), ep('c'), ep('d'));
  for (const share of Object.values(countPicks(idlePick(even), 40_000))) t.true(Math.abs(share / 40_000 - 0.25) < 0.02);
  const weighted = p2c(seeded(6), ep('a', 3), ep('b', 1));
  const counts = countPicks(idlePick(weighted), 20_000);
  t.true(Math.abs((counts.a ?? 0) / 20_000 - 0.75) < 0.02, JSON.stringify(counts));
  const five = p2c(seeded(7), ep('a', 3), ep('b'), ep('c'), ep('d'), ep('e'));
  const counts5 = countPicks(idlePick(five), 35_000);
  t.true(Math.abs((counts5.a ?? 0) / 35_000 - 3 / 7) < 0.03, JSON.stringify(counts5));
});

test('least request - one endpoint: it, or undefined when ineligible; empty set: undefined', (t) => {
  const random = scripted();
  const one = p2c(random, ep('a'));
  t.is(one.pick()?.id, 'a');
  t.is(one.pick((e) => e.id !== 'a'), undefined);
  t.is(random.used, 0);
  t.is(p2c(random).pick(), undefined);
});

test('least request - only eligible endpoints are picked, even when few are', (t) => {
  const balancer = p2c(seeded(8), ...['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((id) => ep(id)));
  const ce = (e: Endpoint) => e.id === 'c' || e.id === 'e';
  const counts = countPicks(() => balancer.pick(ce), 1000);
  t.deepEqual(Object.keys(counts).sort(), ['c', 'e']);
  t.deepEqual(countPicks(() => balancer.pick((e) => e.id === 'g'), 50), { g: 50 });
  t.is(balancer.pick(() => false), undefined);
  // Weighted, with the heavy endpoint excluded (a retry after it failed).
  const weighted = p2c(seeded(9), ep('heavy', 100), ep('x'), ep('y'));
  t.deepEqual(Object.keys(countPicks(() => weighted.pick((e) => e.id !== 'heavy'), 200)).sort(), ['x', 'y']);
});

test('least request - in-flight counts survive a discovery update', (t) => {
  const balancer = p2c(seeded(10), ep('a'), ep('b'));
  load(balancer, ep('a'), 3);
  balancer.update([ep('c'), ep('a'), ep('b')]); // new objects, same ids
  t.false(Object.keys(countPicks(() => balancer.pick(), 300)).includes('a'));
  // Removed, its requests ending later are ignored; re-added, it starts from 0.
  balancer.update([ep('b')]);
  balancer.finished(ep('a'));
  balancer.update([ep('a'), ep('b')]);
  load(balancer, ep('b'), 1);
  t.deepEqual(countPicks(() => balancer.pick(), 20), { a: 20 });
});
