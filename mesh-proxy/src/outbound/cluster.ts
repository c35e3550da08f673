// One upstream service as the outbound side sees it: its endpoints, their connections, and its policies.
import { createBalancer, type Balancer } from '../balance/index.js';
import { ConcurrencyLimiter, OutlierDetector } from '../breaker/index.js';
import type { Clock, Random } from '../clock.js';
import type { UpstreamConfig } from '../config/index.js';
import type { Endpoint } from '../discovery/index.js';
import { EndpointPool, type EndpointPoolOptions } from '../pool/endpoint-pool.js';
import { RetryBudget, type RetryPolicy } from '../retry/index.js';

export interface ClusterOptions {
  name: string;
  config: UpstreamConfig;
  clock: Clock;
  random: Random;
  pool: Omit<EndpointPoolOptions, 'connectTimeoutMs'>;
  /** An endpoint was ejected by outlier detection (metrics). */
  onEject?: (endpointId: string) => void;
}

export class Cluster {
  readonly name: string;
  readonly config: UpstreamConfig;
  readonly balancer: Balancer<Endpoint>;
  readonly outlier: OutlierDetector;
  readonly limiter: ConcurrencyLimiter;
  readonly budget: RetryBudget;
  readonly retryPolicy: RetryPolicy;
  private readonly pools = new Map<string, EndpointPool>();
  private endpointList: readonly Endpoint[] = [];
  /** Discovery could not refresh the list: serving the last known endpoints. */
  stale = false;
  updatedAt: number | undefined;

  constructor(private readonly o: ClusterOptions) {
    this.name = o.name;
    this.config = o.config;
    this.balancer = createBalancer<Endpoint>(o.config.balancer, o.random);
    this.outlier = new OutlierDetector({ ...o.config.outlier, clock: o.clock, ...(o.onEject ? { onEject: o.onEject } : {}) });
    this.limiter = new ConcurrencyLimiter(o.config.limits);
    this.budget = new RetryBudget({ ratio: o.config.retry.budgetRatio, minRetryConcurrency: o.config.retry.budgetMinConcurrency });
    this.retryPolicy = { ...o.config.retry, retryOn: new Set(o.config.retry.retryOn) };
  }

  get endpoints(): readonly Endpoint[] {
    return this.endpointList;
  }

  /** A discovery update: new endpoints get a pool, removed ones drain (their open calls finish). */
  update(endpoints: readonly Endpoint[]): void {
    this.endpointList = endpoints;
    this.updatedAt = this.o.clock.now();
    const ids = new Set(endpoints.map((e) => e.id));
    for (const [id, pool] of this.pools) {
      if (!ids.has(id)) {
        pool.drain();
        this.pools.delete(id);
      }
    }
    this.balancer.update(endpoints);
    this.outlier.update([...ids]);
  }

  pool(endpoint: Endpoint): EndpointPool {
    let pool = this.pools.get(endpoint.id);
    if (pool === undefined || pool.host !== endpoint.address || pool.port !== endpoint.port) {
      pool?.drain();
      pool = new EndpointPool(endpoint.id, endpoint.address, endpoint.port, { ...this.o.pool, connectTimeoutMs: this.config.connectTimeoutMs });
      this.pools.set(endpoint.id, pool);
    }
    return pool;
  }

  close(): void {
    for (const pool of this.pools.values()) pool.close();
    this.pools.clear();
  }

  /** What /clusters shows. */
  snapshot(): unknown {
    const outlier = new Map<string, unknown>(Object.entries(this.outlier.snapshot() as Record<string, unknown>));
    return {
      name: this.name,
      balancer: this.config.balancer,
      stale: this.stale,
      updatedAt: this.updatedAt === undefined ? null : new Date(this.updatedAt).toISOString(),
      limits: this.limiter.stats(),
      retryBudget: this.budget.stats(),
      endpoints: this.endpointList.map((e) => ({
        id: e.id,
        address: `${e.address}:${e.port}`,
        weight: e.weight,
        serviceId: e.serviceId,
        outlier: outlier.get(e.id) ?? null,
        connections: this.pools.get(e.id)?.connectionCount ?? 0,
        activeStreams: this.pools.get(e.id)?.activeStreams ?? 0,
      })),
    };
  }
}
