// The sidecar's own registration (Kind connect-proxy) as read from the agent, validated into the shape the proxy runs from.
// Field names are Consul 1.8's agent API (/v1/agent/service/:id): Proxy.DestinationServiceID, Proxy.LocalServicePort,
// Proxy.Config, Proxy.Upstreams[].{DestinationName, LocalBindPort, LocalBindAddress, Config}.
// https://developer.hashicorp.com/consul/docs/v1.9.x/connect/registration/service-registration

export interface SidecarUpstream {
  readonly destinationName: string;
  /** Only "service" is supported ("prepared_query" is refused at parse time). */
  readonly destinationType: 'service';
  /** Another datacenter to discover in; undefined for the agent's own. */
  readonly datacenter: string | undefined;
  readonly localBindAddress: string;
  readonly localBindPort: number;
  /** Proxy.Upstreams[].Config, opaque here: parsed by config/. */
  readonly config: Readonly<Record<string, unknown>>;
}

export interface SidecarRegistration {
  readonly proxyId: string;
  readonly proxyName: string;
  /**
   * What the inbound (mTLS) listener binds: the registration's Address, else 0.0.0.0, as Consul's built-in proxy
   * does (connect/proxy/config.go). An empty Address means "reach me at the node's address", which a
   * loopback-only bind would break; the listener requires a client certificate either way.
   */
  readonly address: string;
  readonly port: number;
  readonly destinationServiceName: string;
  readonly destinationServiceId: string;
  readonly localServiceAddress: string;
  readonly localServicePort: number;
  readonly upstreams: readonly SidecarUpstream[];
  /** Proxy.Config, opaque here: parsed by config/. */
  readonly config: Readonly<Record<string, unknown>>;
}

/** A registration the sidecar cannot run from; names the proxy and the field. */
export class SidecarRegistrationError extends Error {
  override readonly name = 'SidecarRegistrationError';
}

export const DEFAULT_BIND_ADDRESS = '0.0.0.0';
export const DEFAULT_LOCAL_SERVICE_ADDRESS = '127.0.0.1';
export const DEFAULT_UPSTREAM_BIND_ADDRESS = '127.0.0.1';

/**
 * Validates an agent service definition of Kind connect-proxy. `destinationPort` is the destination service's
 * Port, the default for Proxy.LocalServicePort (Consul fills it in for Connect.SidecarService registrations,
 * not for proxies registered on their own).
 */
export function parseSidecarRegistration(raw: unknown, destinationPort?: number): SidecarRegistration {
  const svc = asRecord(raw, 'registration', '');
  const proxyId = typeof svc.ID === 'string' && svc.ID ? svc.ID : '(no ID)';
  const fail = (field: string, detail: string): never => {
    throw new SidecarRegistrationError(`sidecar registration ${proxyId}: ${field}: ${detail}`);
  };
  if (svc.Kind !== 'connect-proxy') fail('Kind', `expected "connect-proxy", got ${show(svc.Kind)}`);
  if (proxyId === '(no ID)') fail('ID', `expected a non-empty string, got ${show(svc.ID)}`);
  const proxyName = nonEmpty(svc.Service, 'Service', fail);
  const port = portOf(svc.Port, 'Port', fail);
  const proxy = asRecord(svc.Proxy, 'Proxy', proxyId);
  const destinationServiceName = nonEmpty(proxy.DestinationServiceName, 'Proxy.DestinationServiceName', fail);
  const destinationServiceId = nonEmpty(proxy.DestinationServiceID, 'Proxy.DestinationServiceID', fail);

  const localPortRaw = proxy.LocalServicePort;
  const localServicePort =
    localPortRaw === undefined || localPortRaw === 0
      ? destinationPort !== undefined
        ? portOf(destinationPort, `Port of destination service ${destinationServiceId}`, fail)
        : fail('Proxy.LocalServicePort', `not set, and the port of destination service ${destinationServiceId} is unknown`)
      : portOf(localPortRaw, 'Proxy.LocalServicePort', fail);

  const upstreamsRaw = proxy.Upstreams ?? [];
  if (!Array.isArray(upstreamsRaw)) fail('Proxy.Upstreams', `expected an array, got ${show(upstreamsRaw)}`);
  const upstreams = (upstreamsRaw as unknown[]).map((u, i) => parseUpstream(u, `Proxy.Upstreams[${i}]`, proxyId, fail));
  const binds = new Map<string, string>();
  for (const u of upstreams) {
    const bind = `${u.localBindAddress}:${u.localBindPort}`;
    const other = binds.get(bind);
    if (other !== undefined) fail('Proxy.Upstreams', `${u.destinationName} and ${other} both bind ${bind}`);
    binds.set(bind, u.destinationName);
  }

  return deepFreeze({
    proxyId,
    proxyName,
    address: optionalString(svc.Address) ?? DEFAULT_BIND_ADDRESS,
    port,
    destinationServiceName,
    destinationServiceId,
    localServiceAddress: optionalString(proxy.LocalServiceAddress) ?? DEFAULT_LOCAL_SERVICE_ADDRESS,
    localServicePort,
    upstreams,
    config: optionalRecord(proxy.Config, 'Proxy.Config', proxyId),
  });
}

function parseUpstream(raw: unknown, at: string, proxyId: string, fail: (field: string, detail: string) => never): SidecarUpstream {
  const u = asRecord(raw, at, proxyId);
  const destinationName = nonEmpty(u.DestinationName, `${at}.DestinationName`, fail);
  const type = u.DestinationType ?? 'service';
  if (type !== 'service' && type !== '') {
    fail(`${at}.DestinationType`, `only "service" upstreams are supported, got ${show(type)} for ${destinationName}`);
  }
  return {
    destinationName,
    destinationType: 'service',
    datacenter: optionalString(u.Datacenter),
    localBindAddress: optionalString(u.LocalBindAddress) ?? DEFAULT_UPSTREAM_BIND_ADDRESS,
    localBindPort: portOf(u.LocalBindPort, `${at}.LocalBindPort`, fail),
    // The catalog answers Config: null when none was registered.
    config: optionalRecord(u.Config, `${at}.Config`, proxyId),
  };
}

/** Two registrations the proxy would run the same way (the agent's ContentHash also moves for fields we ignore). */
export function sameRegistration(a: SidecarRegistration, b: SidecarRegistration): boolean {
  return stableJson(a) === stableJson(b);
}

function stableJson(v: unknown): string {
  return JSON.stringify(v, (_k, val: unknown) =>
    val && typeof val === 'object' && !Array.isArray(val)
      ? Object.fromEntries(Object.entries(val as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)))
      : val,
  );
}

function asRecord(v: unknown, at: string, proxyId: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new SidecarRegistrationError(`sidecar registration${proxyId ? ` ${proxyId}` : ''}: ${at}: expected an object, got ${show(v)}`);
  }
  return v as Record<string, unknown>;
}

function optionalRecord(v: unknown, at: string, proxyId: string): Record<string, unknown> {
  return v === undefined || v === null ? {} : asRecord(v, at, proxyId);
}

function optionalString(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function nonEmpty(v: unknown, field: string, fail: (field: string, detail: string) => never): string {
  return typeof v === 'string' && v !== '' ? v : fail(field, `expected a non-empty string, got ${show(v)}`);
}

function portOf(v: unknown, field: string, fail: (field: string, detail: string) => never): number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 65535 ? v : fail(field, `expected a port (1-65535), got ${show(v)}`);
}

function show(v: unknown): string {
  return v === undefined ? 'nothing' : JSON.stringify(v);
}

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object') {
    for (const child of Object.values(v)) deepFreeze(child);
    Object.freeze(v);
  }
  return v;
}
