// An upstream endpoint (one instance's sidecar) as read from /v1/health/connect/<name>, and how to compare lists of them.

export interface Endpoint {
  /** Service.ID of the instance's sidecar proxy (unique on its node). */
  readonly id: string;
  /** Node name: IDs are only unique per node, so (node, id) names an endpoint cluster-wide. */
  readonly node: string;
  /** Where its sidecar's inbound (mTLS) listener is reached. */
  readonly address: string;
  readonly port: number;
  /** Weights.Passing of the sidecar registration, at least 1. */
  readonly weight: number;
  /** The instance behind the sidecar: Proxy.DestinationServiceID. */
  readonly serviceId: string;
  readonly meta: Readonly<Record<string, string>>;
  readonly tags: readonly string[];
}

/**
 * Decodes a /v1/health/connect answer (same shape as /v1/health/service: [{ Node, Service, Checks }]).
 * Sorted by (node, id), so that two answers with the same instances compare equal whatever Consul's order.
 */
export function decodeHealthEntries(body: unknown): Endpoint[] {
  if (!Array.isArray(body)) throw new Error(`expected a JSON array of health entries, got ${typeOf(body)}`);
  const endpoints = body.map((entry, i) => decodeEntry(entry, i));
  return endpoints.sort((a, b) => (a.node === b.node ? compare(a.id, b.id) : compare(a.node, b.node)));
}

function decodeEntry(entry: unknown, i: number): Endpoint {
  const at = `[${i}]`;
  const node = record(entry, at).Node;
  const service = record(record(entry, at).Service, `${at}.Service`);
  const id = str(service.ID, `${at}.Service.ID`);
  const port = service.Port;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`${at}.Service.Port: expected a port number, got ${JSON.stringify(port)}`);
  }
  const nodeRec = node === undefined || node === null ? {} : record(node, `${at}.Node`);
  // An empty Service.Address means "the node's address" (the agent's -advertise address).
  const address = (typeof service.Address === 'string' && service.Address) || (typeof nodeRec.Address === 'string' ? nodeRec.Address : '');
  if (!address) throw new Error(`${at}: neither Service.Address nor Node.Address is set for ${id}`);
  const weights = service.Weights as { Passing?: unknown } | undefined;
  const passing = typeof weights?.Passing === 'number' ? weights.Passing : 1;
  const proxy = (service.Proxy ?? {}) as { DestinationServiceID?: unknown };
  return {
    id,
    node: typeof nodeRec.Node === 'string' ? nodeRec.Node : '',
    address,
    port,
    weight: Math.max(1, Math.floor(passing)),
    serviceId: typeof proxy.DestinationServiceID === 'string' ? proxy.DestinationServiceID : '',
    meta: stringMap(service.Meta),
    tags: Array.isArray(service.Tags) ? service.Tags.filter((t): t is string => typeof t === 'string') : [],
  };
}

/** Same instances with the same address, port, weight, meta and tags, in the same (sorted) order. */
export function sameEndpoints(a: readonly Endpoint[], b: readonly Endpoint[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!sameEndpoint(a[i]!, b[i]!)) return false;
  return true;
}

function sameEndpoint(a: Endpoint, b: Endpoint): boolean {
  return (
    a.id === b.id &&
    a.node === b.node &&
    a.address === b.address &&
    a.port === b.port &&
    a.weight === b.weight &&
    a.serviceId === b.serviceId &&
    a.tags.length === b.tags.length &&
    a.tags.every((t, i) => t === b.tags[i]) &&
    sameStringMap(a.meta, b.meta)
  );
}

function sameStringMap(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => a[k] === b[k]);
}

function record(v: unknown, at: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`${at}: expected an object, got ${typeOf(v)}`);
  return v as Record<string, unknown>;
}

function str(v: unknown, at: string): string {
  if (typeof v !== 'string' || v === '') throw new Error(`${at}: expected a non-empty string, got ${JSON.stringify(v)}`);
  return v;
}

function stringMap(v: unknown): Record<string, string> {
  if (typeof v !== 'object' || v === null) return {};
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) if (typeof val === 'string') out[k] = val;
  return out;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function typeOf(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v;
}
