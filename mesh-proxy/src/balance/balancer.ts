// The contract every load-balancing algorithm implements, and the names configuration uses for them.

import type { Weighted } from './weighted.js';

export type BalancerKind = 'round_robin' | 'weighted_round_robin' | 'least_request';

export const BALANCER_KINDS: readonly BalancerKind[] = ['weighted_round_robin', 'round_robin', 'least_request'];

/**
 * Smooth weighted round robin honours Consul's Weights.Passing exactly, which is what an operator
 * who sets weights (canaries, bigger machines) expects; least_request is one config line away
 * for upstreams whose instances slow down unevenly.
 */
export const DEFAULT_BALANCER_KIND: BalancerKind = 'weighted_round_robin';

/** True for an endpoint this request may use: not ejected, not already tried by this request. */
export type Eligible<E> = (e: E) => boolean;

export interface Balancer<E extends Weighted> {
  /**
   * Replaces the endpoint set (discovery update); state of endpoints that remain (same id) is kept, so an
   * update never resets the rotation or in-flight counts. The array is copied; duplicate ids keep the first.
   */
  update(endpoints: readonly E[]): void;
  /** Picks an endpoint for which `eligible(e)` is true, or undefined when none is. */
  pick(eligible?: Eligible<E>): E | undefined;
  /**
   * least_request tracks in-flight requests; the others ignore these. Called by the router when a request
   * to `e` starts and ends; matched by id, so an `e` from before an update still counts.
   */
  started(e: E): void;
  finished(e: E): void;
}
