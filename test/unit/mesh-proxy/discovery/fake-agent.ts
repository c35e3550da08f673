// A scripted stand-in for the Consul agent behind ConsulClient's injected fetch: the test sees each request and answers it.
import { ConsulClient } from '../../../../mesh-proxy/src/discovery/index.js';

export interface Reply {
  status?: number;
  body?: unknown;
  /** X-Consul-Index */
  index?: number;
  /** X-Consul-ContentHash */
  hash?: string;
}

export interface PendingRequest {
  readonly url: URL;
  readonly method: string;
  readonly headers: Headers;
  /** The query parameter, or undefined. */
  param(name: string): string | undefined;
  reply(r: Reply): void;
  /** Fails like fetch does when the agent is unreachable: a TypeError with the errno in `cause.code`. */
  refuse(code?: string): void;
  /** Resolves when the client aborts the request (close(), timeout). */
  readonly aborted: Promise<void>;
}

export class FakeAgent {
  readonly address = 'http://127.0.0.1:8500';
  private queue: PendingRequest[] = [];
  private waiters: Array<(r: PendingRequest) => void> = [];
  /** Every request, in order. */
  readonly seen: PendingRequest[] = [];

  readonly fetch: typeof fetch = (input, init) =>
    new Promise<Response>((resolve, reject) => {
      const url = new URL(String(input instanceof Request ? input.url : input));
      const signal = init?.signal ?? undefined;
      let onAborted!: () => void;
      const aborted = new Promise<void>((r) => (onAborted = r));
      if (signal?.aborted) {
        onAborted();
        return reject(signal.reason);
      }
      signal?.addEventListener(
        'abort',
        () => {
          onAborted();
          reject(signal.reason);
        },
        { once: true },
      );
      const req: PendingRequest = {
        url,
        method: init?.method ?? 'GET',
        headers: new Headers(init?.headers),
        param: (name) => url.searchParams.get(name) ?? undefined,
        reply: (r) => {
          const headers = new Headers({ 'Content-Type': 'application/json' });
          if (r.index !== undefined) headers.set('X-Consul-Index', String(r.index));
          if (r.hash !== undefined) headers.set('X-Consul-ContentHash', r.hash);
          const text = r.body === undefined ? '' : typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
          resolve(new Response(text, { status: r.status ?? 200, headers }));
        },
        refuse: (code = 'ECONNREFUSED') => reject(Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error(`connect ${code}`), { code }) })),
        aborted,
      };
      this.seen.push(req);
      const waiter = this.waiters.shift();
      if (waiter) waiter(req);
      else this.queue.push(req);
    });

  /** The next request the client sends (already sent, or the next to come). */
  next(): Promise<PendingRequest> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((r) => this.waiters.push(r));
  }

  client(token = ''): ConsulClient {
    return new ConsulClient({ address: this.address, token, requestTimeoutMs: 5_000, fetch: this.fetch });
  }
}

/** A /v1/health/connect entry for a sidecar `<id>-sidecar-proxy` in front of instance `<id>`. */
export function healthEntry(id: string, port: number, extra: { address?: string; weight?: number; node?: string; meta?: Record<string, string>; tags?: string[] } = {}) {
  return {
    Node: { Node: extra.node ?? 'node-1', Address: '10.0.0.1' },
    Service: {
      Kind: 'connect-proxy',
      ID: `${id}-sidecar-proxy`,
      Service: 'inventory-sidecar-proxy',
      Address: extra.address ?? '127.0.0.1',
      Port: port,
      Weights: { Passing: extra.weight ?? 1, Warning: 1 },
      Meta: extra.meta ?? {},
      Tags: extra.tags ?? [],
      Proxy: { DestinationServiceName: 'inventory', DestinationServiceID: id },
    },
    Checks: [],
  };
}

/** /v1/agent/service/inventory-a-sidecar-proxy from Consul 1.8.7, for a service registered with Connect.SidecarService. */
export function agentAnswer() {
  return {
    Kind: 'connect-proxy',
    ID: 'inventory-a-sidecar-proxy',
    Service: 'inventory-sidecar-proxy',
    Tags: ['grpc'],
    Meta: { instance: 'a' },
    Port: 41001,
    Address: '127.0.0.1',
    Weights: { Passing: 1, Warning: 1 },
    EnableTagOverride: false,
    ContentHash: '576af044199b3b3c',
    Proxy: {
      DestinationServiceName: 'inventory',
      DestinationServiceID: 'inventory-a',
      LocalServiceAddress: '127.0.0.1',
      LocalServicePort: 40001,
      Config: { shutdownGraceMs: 5000 } as Record<string, unknown> | undefined,
      Upstreams: [
        { DestinationType: 'service', DestinationName: 'catalog', LocalBindPort: 42001, MeshGateway: {} } as Record<string, unknown>,
        { DestinationType: 'service', DestinationName: 'payments', LocalBindPort: 42002, Config: { balancer: 'round_robin' }, MeshGateway: {} },
      ],
      MeshGateway: {},
      Expose: {},
    } as Record<string, unknown>,
  };
}
