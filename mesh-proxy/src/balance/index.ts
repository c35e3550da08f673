// Load balancing: picks one endpoint of a cluster per request (round robin, smooth weighted round robin, P2C least request).

export { BALANCER_KINDS, DEFAULT_BALANCER_KIND, type Balancer, type BalancerKind, type Eligible } from './balancer.js';
export { createBalancer } from './create-balancer.js';
export { effectiveWeight, type Weighted } from './weighted.js';
