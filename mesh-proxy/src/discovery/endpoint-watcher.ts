// Watches one upstream's healthy Connect endpoints with blocking queries on /v1/health/connect/<name>?passing.
//
// ?passing keeps entries whose every check passes: the node's serfHealth and the sidecar's own checks. For a
// sidecar registered through Connect.SidecarService, Consul 1.8 adds a TCP check on the sidecar's port and an
// alias check mirroring the destination service's checks, so an endpoint appears only once both the sidecar
// listens and the app is healthy (see test/integration/mesh-proxy/discovery/endpoint-watcher.test.ts).
import { systemClock, systemRandom, type Clock, type Random } from '../clock.js';
import { blockingQuery, blockingTimeouts } from './blocking-query.js';
import type { ConsulClient } from './consul-client.js';
import { decodeHealthEntries, sameEndpoints, type Endpoint } from './endpoint.js';

export interface EndpointWatcherOptions {
  client: ConsulClient;
  /** The upstream's service name (Proxy.Upstreams[].DestinationName). */
  upstream: string;
  /** Another datacenter (Proxy.Upstreams[].Datacenter); the agent's own when absent. */
  datacenter?: string;
  /** Called with the full new list, only when it differs from the last one delivered. */
  onUpdate: (endpoints: readonly Endpoint[]) => void;
  /** Every failed query (the watcher keeps serving the last known list and retries). */
  onError?: (error: Error) => void;
  /** When `stale` flips: true on the first failure after a success, false on the first success after failures. */
  onStale?: (stale: boolean) => void;
  clock?: Clock;
  random?: Random;
  waitMs?: number;
  requestTimeoutMs?: number;
  backoff?: { baseMs: number; maxMs: number };
  rateLimit?: { burst: number; intervalMs: number };
}

export interface EndpointWatcherState {
  readonly endpoints: readonly Endpoint[];
  /** The last query failed: `endpoints` is the last known list, kept until a query succeeds again. */
  readonly stale: boolean;
  /** X-Consul-Index of the last answer (0 before the first, and after an error). */
  readonly lastIndex: number;
  /** Clock time the list last changed (or first arrived); undefined before the first answer. */
  readonly lastUpdateAt: number | undefined;
  /** Clock time of the last successful answer, changed or not. */
  readonly lastSuccessAt: number | undefined;
  readonly lastError: Error | undefined;
  /** At least one answer came: an empty list now means "no healthy endpoint", not "not asked yet". */
  readonly synced: boolean;
}

const NO_ENDPOINTS: readonly Endpoint[] = Object.freeze([]);

export class EndpointWatcher {
  /** Resolves on the first successful answer (even an empty list); never rejects. */
  readonly synced: Promise<void>;
  /** Resolves once the loop has stopped after close(). */
  readonly closed: Promise<void>;

  private readonly abort = new AbortController();
  private readonly clock: Clock;
  private current: EndpointWatcherState = {
    endpoints: NO_ENDPOINTS,
    stale: false,
    lastIndex: 0,
    lastUpdateAt: undefined,
    lastSuccessAt: undefined,
    lastError: undefined,
    synced: false,
  };
  private markSynced!: () => void;
  private markClosed!: () => void;
  private started = false;

  /** Throws at once on a wait/timeout combination that could never block usefully. */
  constructor(private readonly options: EndpointWatcherOptions) {
    blockingTimeouts(this.path(), options.waitMs, options.requestTimeoutMs);
    this.clock = options.clock ?? systemClock;
    this.synced = new Promise((r) => (this.markSynced = r));
    this.closed = new Promise((r) => (this.markClosed = r));
  }

  /** Starts the long-poll loop; returns this. */
  start(): this {
    if (this.started) return this;
    this.started = true;
    void this.run()
      .catch((err: unknown) => this.report(err instanceof Error ? err : new Error(String(err))))
      .finally(() => this.markClosed());
    return this;
  }

  state(): EndpointWatcherState {
    return this.current;
  }

  /** Aborts the long poll at once; resolves when the loop has stopped. */
  close(): Promise<void> {
    this.abort.abort(new Error(`endpoint watcher for ${this.options.upstream} closed`));
    if (!this.started) this.markClosed();
    return this.closed;
  }

  private async run(): Promise<void> {
    const o = this.options;
    const events = blockingQuery({
      client: o.client,
      path: this.path(),
      query: { passing: 1, dc: o.datacenter || undefined },
      decode: decodeHealthEntries,
      signal: this.abort.signal,
      clock: this.clock,
      random: o.random ?? systemRandom,
      ...(o.waitMs !== undefined && { waitMs: o.waitMs }),
      ...(o.requestTimeoutMs !== undefined && { requestTimeoutMs: o.requestTimeoutMs }),
      ...(o.backoff && { backoff: o.backoff }),
      ...(o.rateLimit && { rateLimit: o.rateLimit }),
    });
    for await (const event of events) {
      const now = this.clock.now();
      const wasStale = this.current.stale;
      switch (event.kind) {
        case 'update': {
          // onUpdate only for a different list: an empty first answer is no change from the initial [].
          const changed = !sameEndpoints(this.current.endpoints, event.value);
          this.current = {
            ...this.current,
            endpoints: changed ? Object.freeze(event.value) : this.current.endpoints,
            stale: false,
            lastIndex: event.index,
            lastUpdateAt: changed || !this.current.synced ? now : this.current.lastUpdateAt,
            lastSuccessAt: now,
            synced: true,
          };
          this.markSynced();
          if (changed) this.deliver(this.current.endpoints);
          break;
        }
        case 'unchanged':
          this.current = { ...this.current, stale: false, lastIndex: event.index, lastSuccessAt: now };
          break;
        case 'error':
          this.current = { ...this.current, stale: true, lastIndex: 0, lastError: event.error };
          this.report(event.error);
          break;
        default: {
          const never: never = event;
          throw new Error(`unexpected event ${JSON.stringify(never)}`);
        }
      }
      if (this.current.stale !== wasStale) this.notify(() => o.onStale?.(this.current.stale));
    }
  }

  private path(): string {
    return `/v1/health/connect/${encodeURIComponent(this.options.upstream)}`;
  }

  private deliver(endpoints: readonly Endpoint[]): void {
    this.notify(() => this.options.onUpdate(endpoints));
  }

  /** Runs a listener; its bug must not stop discovery for everyone else. */
  private notify(listener: () => void): void {
    try {
      listener();
    } catch (err) {
      this.report(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private report(error: Error): void {
    try {
      this.options.onError?.(error);
    } catch {
      // onError is best effort (a logger); nothing more to do.
    }
  }
}
