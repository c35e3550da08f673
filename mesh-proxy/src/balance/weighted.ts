// The endpoint shape balancers work on, and how a discovery weight is read.

/** An endpoint as a balancer sees it: a unique id and its Consul weight (`Service.Weights.Passing`). */
export interface Weighted {
  readonly id: string;
  readonly weight: number;
}

/**
 * Consul weights are integers ≥ 1. Anything else (0, negative, NaN, Infinity) counts as 1, so a bad
 * registration can neither drain an endpoint nor make it swallow all traffic; fractions are floored.
 */
export function effectiveWeight(weight: number): number {
  return Number.isFinite(weight) && weight >= 1 ? Math.floor(weight) : 1;
}
