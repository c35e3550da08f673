// A small fetch-based client for the local Consul agent's HTTP API: ACL token, per-request timeout, blocking-query headers.
import { ConsulError, networkCode } from './consul-error.js';

/** Where `consul` itself looks when CONSUL_HTTP_ADDR is unset. */
export const DEFAULT_CONSUL_HTTP_ADDR = 'http://127.0.0.1:8500';
/** For ordinary (non-blocking) calls to the local agent, which answers in milliseconds when healthy. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

export interface ConsulClientOptions {
  /** e.g. http://127.0.0.1:8500 */
  address: string;
  /** ACL token, sent as X-Consul-Token; empty or absent for none. */
  token?: string;
  requestTimeoutMs?: number;
  /** Injected in tests; defaults to the global fetch. */
  fetch?: typeof fetch;
}

export type QueryParams = Record<string, string | number | boolean | undefined>;

export interface RequestOptions {
  query?: QueryParams;
  signal?: AbortSignal;
  /** Overrides the client's requestTimeoutMs (blocking queries need wait + jitter + slack). */
  timeoutMs?: number;
}

export interface ConsulResponse {
  status: number;
  /** Parsed JSON; undefined for an empty body. */
  body: unknown;
  /** X-Consul-Index, on endpoints that support index-based blocking queries. */
  index: number | undefined;
  /** X-Consul-ContentHash, on agent endpoints that support hash-based blocking queries. */
  contentHash: string | undefined;
}

/** Client options from the environment, with the `consul` CLI's names and defaults. */
export function consulOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): ConsulClientOptions {
  return { address: normalizeAddress(env.CONSUL_HTTP_ADDR, env.CONSUL_HTTP_SSL), token: env.CONSUL_HTTP_TOKEN ?? '' };
}

/** The CLI accepts "127.0.0.1:8500" without a scheme (https when CONSUL_HTTP_SSL is true). */
export function normalizeAddress(raw: string | undefined, ssl?: string): string {
  const value = raw?.trim();
  if (!value) return DEFAULT_CONSUL_HTTP_ADDR;
  if (value.startsWith('unix://')) throw new Error(`CONSUL_HTTP_ADDR: unix sockets are not supported, got "${value}"`);
  const withScheme = /^[a-z]+:\/\//i.test(value) ? value : `${ssl === 'true' || ssl === '1' ? 'https' : 'http'}://${value}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new Error(`CONSUL_HTTP_ADDR: expected a URL like http://127.0.0.1:8500, got "${value}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`CONSUL_HTTP_ADDR: expected http or https, got "${value}"`);
  }
  return url.origin;
}

export class ConsulClient {
  readonly address: string;
  readonly requestTimeoutMs: number;
  private readonly token: string;
  private readonly fetch: typeof fetch;

  constructor(options: ConsulClientOptions) {
    this.address = normalizeAddress(options.address);
    this.token = options.token ?? '';
    this.requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.fetch = options.fetch ?? fetch;
  }

  get(path: string, options: RequestOptions = {}): Promise<ConsulResponse> {
    return this.request('GET', path, undefined, options);
  }

  put(path: string, body: unknown, options: RequestOptions = {}): Promise<ConsulResponse> {
    return this.request('PUT', path, body, options);
  }

  private async request(method: string, path: string, body: unknown, options: RequestOptions): Promise<ConsulResponse> {
    const timeoutMs = options.timeoutMs ?? this.requestTimeoutMs;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    const url = new URL(path, this.address);
    for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = {};
    if (this.token) headers['X-Consul-Token'] = this.token;
    if (body !== undefined) headers['Content-Type'] = 'application/json';

    const fail = (failure: ConstructorParameters<typeof ConsulError>[3], cause?: unknown) =>
      new ConsulError(method, url.pathname, this.address, failure, { cause });
    // The caller's abort is not a failure of Consul: rethrow its reason as is.
    const rethrowAbort = (err: unknown) => {
      if (options.signal?.aborted) throw options.signal.reason;
      if (timeout.aborted) throw fail({ kind: 'timeout', timeoutMs }, err);
    };

    let res: Response;
    let text: string;
    try {
      res = await this.fetch(url, { method, headers, body: body === undefined ? null : JSON.stringify(body), signal });
      text = await res.text();
    } catch (err) {
      rethrowAbort(err);
      throw fail({ kind: 'network', code: networkCode(err) }, err);
    }
    if (!res.ok) throw fail({ kind: 'http', status: res.status, body: text });
    let parsed: unknown;
    try {
      parsed = text.length > 0 ? JSON.parse(text) : undefined;
    } catch (err) {
      throw fail({ kind: 'decode', detail: (err as Error).message }, err);
    }
    return {
      status: res.status,
      body: parsed,
      index: parseIndex(res.headers.get('X-Consul-Index')),
      contentHash: res.headers.get('X-Consul-ContentHash') ?? undefined,
    };
  }
}

function parseIndex(raw: string | null): number | undefined {
  if (raw === null || !/^\d+$/.test(raw)) return undefined;
  return Number(raw);
}
