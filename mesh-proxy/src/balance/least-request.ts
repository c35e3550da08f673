// Least request by the power of two choices: of two random endpoints, the one with fewer requests in flight.

import type { Random } from '../clock.js';
import type { Balancer, Eligible } from './balancer.js';
import { uniqueById } from './unique-by-id.js';
import { effectiveWeight, type Weighted } from './weighted.js';

interface Slot<E> {
  readonly endpoint: E;
  readonly weight: number;
  active: number;
}

/** Random draws tried before an eligible filter falls back to a scan of the set. */
const MAX_RANDOM_DRAWS = 4;

/**
 * P2C (Mitzenmacher; Envoy's least_request with equal weights, linkerd2-proxy's balancer): of two distinct
 * eligible candidates, the one with fewer requests in flight wins, the first drawn on a tie. With most
 * endpoints eligible a pick is O(1) for equal weights, O(log n) otherwise.
 *
 * Weights are honoured by drawing candidates in proportion to weight (weighted P2C), not by dividing the
 * in-flight count by the weight. With candidates ∝ weight and ties to the first, an idle or lightly loaded
 * set splits by weight on average (3:1 weights → 75 %/25 %), and under load the in-flight counts take over,
 * so a slow endpoint sheds traffic whatever its weight. Comparing active/weight instead makes low
 * concurrency winner-takes-all: with two endpoints weighted 3 and 1, every request goes to the first until
 * it has 3 in flight. With equal weights (Consul's default) candidates are drawn uniformly without a search.
 *
 * Randomness used, for scripted tests: one number per candidate drawn (the second is drawn among the
 * others, so it is distinct by construction); with a filter, one per rejected draw too, and after
 * MAX_RANDOM_DRAWS rejections one more for a draw by scanning the eligible endpoints.
 */
export class LeastRequest<E extends Weighted> implements Balancer<E> {
  private slots: Slot<E>[] = [];
  private byId = new Map<string, Slot<E>>();
  /** True when all weights are equal: candidates are then drawn uniformly. */
  private uniform = true;
  /** Prefix sums of the weights, for drawing ∝ weight by binary search. */
  private cumulative = new Float64Array(0);
  private totalWeight = 0;
  /** Scratch for the fallback scan, reused so a pick never allocates. */
  private scanIndex = new Int32Array(0);
  private scanCumulative = new Float64Array(0);

  constructor(private readonly random: Random) {}

  update(endpoints: readonly E[]): void {
    const list = uniqueById(endpoints);
    const n = list.length;
    const slots: Slot<E>[] = new Array(n);
    const byId = new Map<string, Slot<E>>();
    const cumulative = new Float64Array(n);
    let total = 0;
    let uniform = true;
    for (let i = 0; i < n; i++) {
      const e = list[i]!;
      // In-flight counts survive the update: those requests are still running on that endpoint.
      const slot: Slot<E> = { endpoint: e, weight: effectiveWeight(e.weight), active: this.byId.get(e.id)?.active ?? 0 };
      if (i > 0 && slot.weight !== slots[0]!.weight) uniform = false;
      total += slot.weight;
      cumulative[i] = total;
      slots[i] = slot;
      byId.set(e.id, slot);
    }
    this.slots = slots;
    this.byId = byId;
    this.uniform = uniform;
    this.cumulative = cumulative;
    this.totalWeight = total;
    this.scanIndex = new Int32Array(n);
    this.scanCumulative = new Float64Array(n);
  }

  pick(eligible?: Eligible<E>): E | undefined {
    const slots = this.slots;
    if (slots.length === 0) return undefined;
    if (slots.length === 1) {
      const only = slots[0]!.endpoint;
      return eligible === undefined || eligible(only) ? only : undefined;
    }
    const a = this.draw(eligible, -1);
    if (a < 0) return undefined;
    const first = slots[a]!;
    const b = this.draw(eligible, a);
    if (b < 0) return first.endpoint;
    const second = slots[b]!;
    return second.active < first.active ? second.endpoint : first.endpoint;
  }

  started(e: E): void {
    const slot = this.byId.get(e.id);
    if (slot !== undefined) slot.active++;
  }

  finished(e: E): void {
    const slot = this.byId.get(e.id);
    // An endpoint removed and re-added while requests ran restarted at 0: never go below it.
    if (slot !== undefined && slot.active > 0) slot.active--;
  }

  /** An eligible index other than `exclude` (-1 excludes none), drawn ∝ weight; -1 when there is none. */
  private draw(eligible: Eligible<E> | undefined, exclude: number): number {
    if (eligible === undefined) return this.sample(exclude);
    // Rejection sampling: an accepted draw is distributed ∝ weight among the eligible ones.
    for (let k = 0; k < MAX_RANDOM_DRAWS; k++) {
      const i = this.sample(exclude);
      if (eligible(this.slots[i]!.endpoint)) return i;
    }
    return this.scan(eligible, exclude);
  }

  /** An index other than `exclude`, ∝ weight: one random number, O(1) for equal weights, else O(log n). */
  private sample(exclude: number): number {
    const slots = this.slots;
    const n = slots.length;
    if (this.uniform) {
      if (exclude < 0) return Math.floor(this.random() * n);
      const i = Math.floor(this.random() * (n - 1));
      return i >= exclude ? i + 1 : i;
    }
    let x: number;
    if (exclude < 0) x = this.random() * this.totalWeight;
    else {
      // Draw over the total without the excluded weight, then step over its interval.
      const w = slots[exclude]!.weight;
      x = this.random() * (this.totalWeight - w);
      if (x >= this.cumulative[exclude]! - w) x += w;
    }
    const cumulative = this.cumulative;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cumulative[mid]! > x) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** When most endpoints are ineligible: a draw ∝ weight among the eligible ones, by a scan. O(n). */
  private scan(eligible: Eligible<E>, exclude: number): number {
    const slots = this.slots;
    const index = this.scanIndex;
    const cumulative = this.scanCumulative;
    let m = 0;
    let sum = 0;
    for (let i = 0; i < slots.length; i++) {
      if (i === exclude) continue;
      const s = slots[i]!;
      if (!eligible(s.endpoint)) continue;
      sum += s.weight;
      index[m] = i;
      cumulative[m] = sum;
      m++;
    }
    if (m === 0) return -1;
    const x = this.random() * sum;
    let j = 0;
    while (j < m - 1 && cumulative[j]! <= x) j++;
    return index[j]!;
  }
}
