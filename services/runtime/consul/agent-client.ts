// A small client for the local Consul agent's HTTP API (the parts services need to register).

export interface ConsulClientOptions {
  /** e.g. http://127.0.0.1:8500 */
  address: string;
  /** ACL token, sent as X-Consul-Token; empty for none. */
  token: string;
  requestTimeoutMs: number;
}

/** A non-2xx answer from Consul, with its status and body. */
export class ConsulError extends Error {
  override readonly name = 'ConsulError';
  constructor(
    readonly status: number,
    readonly body: string,
    readonly path: string,
  ) {
    super(`consul ${path}: HTTP ${status}: ${body.trim().slice(0, 300)}`);
  }
}

/** The agent's service registration payload (/v1/agent/service/register), as far as we use it. */
export interface AgentServiceRegistration {
  ID: string;
  Name: string;
  Tags: string[];
  Address: string;
  Port: number;
  Meta: Record<string, string>;
  Weights: { Passing: number; Warning: number };
  Check: {
    CheckID: string;
    Name: string;
    GRPC: string;
    GRPCUseTLS: boolean;
    Interval: string;
    Timeout: string;
    DeregisterCriticalServiceAfter: string;
  };
  Connect: {
    SidecarService: {
      Port?: number;
      Weights: { Passing: number; Warning: number };
      Proxy: { Upstreams: Array<{ DestinationName: string; LocalBindPort: number }> };
    };
  };
}

export class ConsulAgentClient {
  constructor(private readonly options: ConsulClientOptions) {}

  async registerService(registration: AgentServiceRegistration, signal?: AbortSignal): Promise<void> {
    await this.request('PUT', '/v1/agent/service/register?replace-existing-checks=true', registration, signal);
  }

  async deregisterService(serviceId: string, signal?: AbortSignal): Promise<void> {
    await this.request('PUT', `/v1/agent/service/deregister/${encodeURIComponent(serviceId)}`, undefined, signal);
  }

  /** The agent's view of one local service, or undefined when it is not registered. */
  async getService(serviceId: string, signal?: AbortSignal): Promise<Record<string, unknown> | undefined> {
    try {
      return (await this.request('GET', `/v1/agent/service/${encodeURIComponent(serviceId)}`, undefined, signal)) as Record<string, unknown>;
    } catch (err) {
      if (err instanceof ConsulError && err.status === 404) return undefined;
      throw err;
    }
  }

  private async request(method: string, path: string, body: unknown, signal?: AbortSignal): Promise<unknown> {
    const timeout = AbortSignal.timeout(this.options.requestTimeoutMs);
    const headers: Record<string, string> = {};
    if (this.options.token) headers['X-Consul-Token'] = this.options.token;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const where = path.split('?')[0]!;
    let res: Response;
    try {
      res = await fetch(new URL(path, this.options.address), {
        method,
        headers,
        body: body === undefined ? null : JSON.stringify(body),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      const reason = timeout.aborted ? `no answer within ${this.options.requestTimeoutMs} ms` : describe(err);
      throw new Error(`consul ${method} ${where} at ${this.options.address}: ${reason}`, { cause: err });
    }
    const text = await res.text();
    if (!res.ok) throw new ConsulError(res.status, text, where);
    return text.length > 0 ? JSON.parse(text) : undefined;
  }
}

/** fetch hides the network error (ECONNREFUSED...) in `cause`. */
function describe(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (err as Error).message ?? String(err);
}
