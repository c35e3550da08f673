// Smooth weighted round robin (nginx's algorithm): picks interleaved in proportion to the weights, deterministically.

import type { Balancer, Eligible } from './balancer.js';
import { uniqueById } from './unique-by-id.js';
import { effectiveWeight, type Weighted } from './weighted.js';

/**
 * Each pick: every eligible endpoint earns its weight, the one with the most credit (the first on a tie)
 * is picked and pays the total weight of that round. Weights 5,1,1 give a,a,b,a,c,a,a; over any full cycle
 * (as many picks as the weights add up to) each endpoint is picked exactly `weight` times.
 *
 * Ineligible endpoints (ejected, or already tried by this request) are skipped as nginx skips down peers:
 * they neither earn nor pay that round, and the round's total counts only the eligible ones. So the others
 * keep exact proportions among themselves, and an endpoint coming back from ejection has not banked credit
 * for the time it was out: it rejoins at its share instead of with a burst.
 *
 * The sequence depends only on the weights and the eligible sets (no randomness): tests can assert it,
 * and sidecars drift out of step anyway since each sees its own request arrivals.
 */
export class SmoothWeightedRoundRobin<E extends Weighted> implements Balancer<E> {
  private endpoints: E[] = [];
  private weights = new Float64Array(0);
  /** nginx's current_weight per endpoint: credit earned (its weight per round) minus spent (the round's total when picked). */
  private credits = new Float64Array(0);

  update(endpoints: readonly E[]): void {
    const previous = new Map<string, number>();
    this.endpoints.forEach((e, i) => previous.set(e.id, this.credits[i]!));
    const next = uniqueById(endpoints);
    const weights = new Float64Array(next.length);
    const credits = new Float64Array(next.length);
    next.forEach((e, i) => {
      weights[i] = effectiveWeight(e.weight);
      // Endpoints that remain keep their credit (a weight change applies from the next pick), so the rotation
      // goes on where it was; new ones start at 0, as every endpoint did; removed ones take their credit away.
      credits[i] = previous.get(e.id) ?? 0;
    });
    this.endpoints = next;
    this.weights = weights;
    this.credits = credits;
  }

  /** O(n) over typed arrays, no allocation. */
  pick(eligible?: Eligible<E>): E | undefined {
    const { endpoints, weights, credits } = this;
    let best = -1;
    let bestCredit = Number.NEGATIVE_INFINITY;
    let total = 0;
    for (let i = 0; i < endpoints.length; i++) {
      if (eligible !== undefined && !eligible(endpoints[i]!)) continue;
      const w = weights[i]!;
      const credit = credits[i]! + w;
      credits[i] = credit;
      total += w;
      if (credit > bestCredit) {
        best = i;
        bestCredit = credit;
      }
    }
    if (best < 0) return undefined;
    credits[best] = bestCredit - total;
    return endpoints[best];
  }

  started(): void {}

  finished(): void {}
}
