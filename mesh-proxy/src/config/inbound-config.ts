// The inbound side's settings (local app connection, limits, drain), read from the sidecar's Proxy.Config.
//
// Proxy.Config may also carry keys merged in by Consul's central config (proxy-defaults Config, `protocol`
// from service-defaults) or meant for Envoy (`envoy_*`): those are ignored; any other unknown key is rejected.
import { readInt, readObject } from './read-value.js';
import { isForeignKey, parseLimits, type Limits } from './upstream-config.js';

export interface InboundSettings {
  /** Connecting to the local app (as Consul's built-in proxy's local_connect_timeout_ms, default 1 s). */
  readonly localConnectTimeoutMs: number;
  readonly limits: Limits;
  /** On shutdown, in-flight streams get this long to finish before they are reset. */
  readonly shutdownGraceMs: number;
}

export const DEFAULT_LOCAL_CONNECT_TIMEOUT_MS = 1_000;
export const DEFAULT_SHUTDOWN_GRACE_MS = 10_000;

export function parseInboundSettings(rawConfig: unknown, path: string): InboundSettings {
  const raw = readObject(rawConfig, path, ['localConnectTimeoutMs', 'limits', 'shutdownGraceMs'], isForeignKey);
  return {
    localConnectTimeoutMs: readInt(raw, 'localConnectTimeoutMs', path, DEFAULT_LOCAL_CONNECT_TIMEOUT_MS, { min: 1, max: 86_400_000 }),
    limits: parseLimits(raw.limits, `${path}.limits`),
    shutdownGraceMs: readInt(raw, 'shutdownGraceMs', path, DEFAULT_SHUTDOWN_GRACE_MS, { min: 0, max: 86_400_000 }),
  };
}
