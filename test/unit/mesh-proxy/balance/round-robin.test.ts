import test from 'ava';
import { createBalancer } from '../../../../mesh-proxy/src/balance/index.js';
import { ep, scripted, type Endpoint } from './randoms.js';

const ids = (b: { pick(eligible?: (e: Endpoint) => boolean): Endpoint | undefined }, n: number, eligible?: (e: Endpoint) => boolean) =>
  Array.from({ length: n }, () => b.pick(eligible)?.id ?? '-').join('');

test('round robin - visits endpoints in turn, ignoring weights', (t) => {
  const b = createBalancer<Endpoint>('round_robin', () => 0);
  b.update([ep('a', 5), ep('b'), ep('c')]);
  t.is(ids(b, 7), 'abcabca');
});

test('round robin - starts at a random endpoint so sidecars do not move in step', (t) => {
  const b = createBalancer<Endpoint>('round_robin', scripted(0.5));
  b.update([ep('a'), ep('b'), ep('c')]);
  t.is(ids(b, 4), 'bcab');
});

test('round robin - an update resumes the rotation at the endpoint due next', (t) => {
  const b = createBalancer<Endpoint>('round_robin', () => 0);
  b.update([ep('a'), ep('b'), ep('c')]);
  t.is(ids(b, 2), 'ab');
  b.update([ep('a'), ep('c'), ep('d')]);
  t.is(ids(b, 4), 'cdac');
});

test('round robin - when the endpoint due next is removed, the one after it is next', (t) => {
  const b = createBalancer<Endpoint>('round_robin', () => 0);
  b.update([ep('a'), ep('b'), ep('c')]);
  t.is(ids(b, 1), 'a');
  b.update([ep('c'), ep('a')]);
  t.is(ids(b, 3), 'cac');
});

test('round robin - skips ineligible endpoints', (t) => {
  const b = createBalancer<Endpoint>('round_robin', () => 0);
  b.update([ep('a'), ep('b'), ep('c')]);
  t.is(ids(b, 4, (e) => e.id !== 'b'), 'acac');
  t.is(ids(b, 3), 'abc');
});

test('round robin - undefined when the set is empty or nothing is eligible', (t) => {
  const b = createBalancer<Endpoint>('round_robin', () => 0);
  t.is(b.pick(), undefined);
  b.update([ep('a'), ep('b')]);
  t.is(b.pick(() => false), undefined);
  b.update([]);
  t.is(b.pick(), undefined);
});

test('round robin - duplicate ids in an update count once', (t) => {
  const b = createBalancer<Endpoint>('round_robin', () => 0);
  b.update([ep('a'), ep('b'), ep('a')]);
  t.is(ids(b, 4), 'abab');
});
