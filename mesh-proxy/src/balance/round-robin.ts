// Round robin: each eligible endpoint in turn, weights ignored.

import type { Random } from '../clock.js';
import type { Balancer, Eligible } from './balancer.js';
import { uniqueById } from './unique-by-id.js';
import type { Weighted } from './weighted.js';

export class RoundRobin<E extends Weighted> implements Balancer<E> {
  private endpoints: readonly E[] = [];
  /** Index of the next endpoint to try; always < endpoints.length when there are endpoints. */
  private cursor = 0;

  constructor(private readonly random: Random) {}

  update(endpoints: readonly E[]): void {
    const next = uniqueById(endpoints);
    const prev = this.endpoints;
    let cursor = 0;
    if (prev.length === 0) {
      if (next.length === 0) return;
      // A random start, as Envoy does, so sidecars that see the same set at once don't all hit its first endpoint.
      cursor = Math.floor(this.random() * next.length);
    } else if (next.length > 0) {
      // The rotation resumes at the first endpoint that was due next and is still there.
      const index = new Map<string, number>();
      next.forEach((e, i) => index.set(e.id, i));
      for (let k = 0; k < prev.length; k++) {
        const i = index.get(prev[(this.cursor + k) % prev.length]!.id);
        if (i !== undefined) {
          cursor = i;
          break;
        }
      }
    }
    this.endpoints = next;
    this.cursor = cursor;
  }

  /** O(1) when the endpoint due is eligible; skips ineligible ones, O(n) at worst. */
  pick(eligible?: Eligible<E>): E | undefined {
    const list = this.endpoints;
    const n = list.length;
    for (let k = 0; k < n; k++) {
      let i = this.cursor + k;
      if (i >= n) i -= n;
      const e = list[i]!;
      if (eligible === undefined || eligible(e)) {
        this.cursor = i + 1 === n ? 0 : i + 1;
        return e;
      }
    }
    return undefined;
  }

  started(): void {}

  finished(): void {}
}
