// Builds the balancer a cluster's configuration names.

import { systemRandom, type Random } from '../clock.js';
import type { Balancer, BalancerKind } from './balancer.js';
import { LeastRequest } from './least-request.js';
import { RoundRobin } from './round-robin.js';
import { SmoothWeightedRoundRobin } from './smooth-weighted-round-robin.js';
import type { Weighted } from './weighted.js';

/** `random` picks round robin's starting point and least request's candidates; weighted round robin uses none. */
export function createBalancer<E extends Weighted>(kind: BalancerKind, random: Random = systemRandom): Balancer<E> {
  switch (kind) {
    case 'round_robin':
      return new RoundRobin<E>(random);
    case 'weighted_round_robin':
      return new SmoothWeightedRoundRobin<E>();
    case 'least_request':
      return new LeastRequest<E>(random);
    default: {
      const unknown: never = kind;
      throw new RangeError(`unknown balancer kind: ${String(unknown)}`);
    }
  }
}
