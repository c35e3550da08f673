// The one error type for calls to the Consul agent: it names the call, the agent's address and the cause.

/** What went wrong, for callers that react differently (a 404 is "not registered yet", a refusal is "agent down"). */
export type ConsulFailure =
  | { kind: 'network'; code: string }
  | { kind: 'timeout'; timeoutMs: number }
  | { kind: 'http'; status: number; body: string }
  | { kind: 'decode'; detail: string };

export class ConsulError extends Error {
  override readonly name = 'ConsulError';

  constructor(
    readonly method: string,
    /** The path without its query string: the query holds the blocking index, noise in an error. */
    readonly path: string,
    readonly address: string,
    readonly failure: ConsulFailure,
    options?: { cause?: unknown },
  ) {
    super(`consul ${method} ${path} at ${address}: ${describeFailure(failure)}`, options);
  }

  /** The HTTP status when the agent answered, else undefined. */
  get status(): number | undefined {
    return this.failure.kind === 'http' ? this.failure.status : undefined;
  }
}

function describeFailure(f: ConsulFailure): string {
  switch (f.kind) {
    case 'network':
      return f.code;
    case 'timeout':
      return `no answer within ${f.timeoutMs} ms`;
    case 'http':
      return `HTTP ${f.status}${f.body.trim() ? `: ${f.body.trim().slice(0, 300)}` : ''}`;
    case 'decode':
      return `unreadable answer: ${f.detail}`;
  }
}

/** fetch (undici) rejects with a bare "fetch failed" TypeError and hides the errno (ECONNREFUSED...) in `cause`. */
export function networkCode(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return err instanceof Error ? err.message : String(err);
}
