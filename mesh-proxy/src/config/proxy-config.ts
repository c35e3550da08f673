// The proxy's configuration snapshot: the sidecar registration plus its parsed settings, validated once and frozen.
import type { SidecarRegistration } from '../discovery/index.js';
import { ConfigError, show } from './config-error.js';
import { parseInboundSettings, type InboundSettings } from './inbound-config.js';
import { deepFreeze } from './read-value.js';
import { parseUpstreamPolicies, type UpstreamPolicies } from './upstream-config.js';

export interface InboundConfig extends InboundSettings {
  /** The mTLS listener: the registration's Address (or 0.0.0.0) and Port. */
  readonly bindAddress: string;
  readonly bindPort: number;
  /** The local app, reached over h2c on loopback. */
  readonly localServiceAddress: string;
  readonly localServicePort: number;
}

export interface UpstreamConfig extends UpstreamPolicies {
  /** The destination service name: Proxy.Upstreams[].DestinationName. */
  readonly name: string;
  /** undefined: the agent's own datacenter. */
  readonly datacenter: string | undefined;
  /** The loopback h2c listener the local app dials for this upstream. */
  readonly bindAddress: string;
  readonly bindPort: number;
}

export interface ProxyConfig {
  readonly proxyId: string;
  readonly proxyName: string;
  /** The service this sidecar fronts. */
  readonly service: { readonly name: string; readonly id: string };
  readonly inbound: InboundConfig;
  readonly upstreams: readonly UpstreamConfig[];
  readonly admin: { readonly port: number };
}

export interface ProxyConfigOptions {
  /** --admin-port; 0 picks a free port. */
  adminPort: number;
}

/**
 * Builds the snapshot, or throws a ConfigError naming the property (e.g.
 * `upstreams[inventory].retry.numRetries: expected an integer from 0 to 10, got "x"`).
 */
export function parseProxyConfig(registration: SidecarRegistration, options: ProxyConfigOptions): ProxyConfig {
  const { adminPort } = options;
  if (!Number.isInteger(adminPort) || adminPort < 0 || adminPort > 65535) {
    throw new ConfigError('adminPort', `expected a port from 0 to 65535, got ${show(adminPort)}`);
  }
  const seen = new Set<string>();
  const upstreams = registration.upstreams.map((u): UpstreamConfig => {
    const key = u.datacenter ? `${u.destinationName}@${u.datacenter}` : u.destinationName;
    const path = `upstreams[${key}]`;
    if (seen.has(key)) throw new ConfigError(path, 'declared more than once: which settings apply would be ambiguous');
    seen.add(key);
    return {
      name: u.destinationName,
      datacenter: u.datacenter,
      bindAddress: u.localBindAddress,
      bindPort: u.localBindPort,
      ...parseUpstreamPolicies(u.config, path),
    };
  });
  return deepFreeze({
    proxyId: registration.proxyId,
    proxyName: registration.proxyName,
    service: { name: registration.destinationServiceName, id: registration.destinationServiceId },
    inbound: {
      bindAddress: registration.address,
      bindPort: registration.port,
      localServiceAddress: registration.localServiceAddress,
      localServicePort: registration.localServicePort,
      ...parseInboundSettings(registration.config, 'config'),
    },
    upstreams,
    admin: { port: adminPort },
  });
}
