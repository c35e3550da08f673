// Finds this sidecar's registration on the local agent (`--sidecar-for <service-id>`), waiting until it appears.
//
// The contract is `consul connect envoy -sidecar-for`'s: the proxy is the local service of Kind connect-proxy whose
// Proxy.DestinationServiceID is the given ID. /v1/agent/services does not support blocking queries, so this
// polls; a sidecar often starts before its service has registered, so "not there yet" means wait, not fail.
import { backoffMs, systemClock, systemRandom, type Clock, type Random } from '../clock.js';
import type { ConsulClient } from './consul-client.js';
import { ConsulError } from './consul-error.js';
import { parseSidecarRegistration, type SidecarRegistration } from './sidecar-registration.js';

/** How often to look again while the registration is missing (local agent calls are cheap). */
export const DEFAULT_SIDECAR_POLL_MS = 500;
/** Backoff while the agent itself fails (not running yet, restarting). */
export const DEFAULT_SIDECAR_BACKOFF = { baseMs: 250, maxMs: 5_000 } as const;

/** Why findSidecar is still waiting: surfaced so start-up logs say what it waits for. */
export type SidecarWait =
  | { kind: 'not-registered'; serviceId: string }
  | { kind: 'destination-not-registered'; proxyId: string; destinationServiceId: string }
  | { kind: 'agent-error'; error: ConsulError; attempt: number; retryInMs: number };

export interface FindSidecarOptions {
  signal?: AbortSignal;
  clock?: Clock;
  random?: Random;
  pollIntervalMs?: number;
  backoff?: { baseMs: number; maxMs: number };
  /** Called on each round that did not find a usable registration. */
  onWait?: (wait: SidecarWait) => void;
}

/**
 * Resolves with the validated registration of the sidecar for `serviceId`. Rejects with the signal's reason when
 * aborted, with a SidecarRegistrationError when the registration exists but cannot be run (fix and re-register),
 * and with an Error naming the IDs when several proxies claim the same service.
 */
export async function findSidecar(client: ConsulClient, serviceId: string, options: FindSidecarOptions = {}): Promise<SidecarRegistration> {
  const clock = options.clock ?? systemClock;
  const random = options.random ?? systemRandom;
  const backoff = options.backoff ?? DEFAULT_SIDECAR_BACKOFF;
  const pollMs = options.pollIntervalMs ?? DEFAULT_SIDECAR_POLL_MS;
  let attempt = 0;
  for (;;) {
    options.signal?.throwIfAborted();
    let waitMs = pollMs;
    try {
      const found = await lookUp(client, serviceId, options.signal);
      attempt = 0;
      if ('registration' in found) return found.registration;
      options.onWait?.(found.wait);
    } catch (err) {
      if (!(err instanceof ConsulError)) throw err;
      attempt += 1;
      waitMs = backoffMs(attempt, backoff.baseMs, backoff.maxMs, random);
      options.onWait?.({ kind: 'agent-error', error: err, attempt, retryInMs: waitMs });
    }
    await clock.sleep(waitMs, options.signal);
  }
}

async function lookUp(client: ConsulClient, serviceId: string, signal?: AbortSignal): Promise<{ registration: SidecarRegistration } | { wait: SidecarWait }> {
  const res = await client.get('/v1/agent/services', { signal });
  const services = res.body && typeof res.body === 'object' ? Object.values(res.body as Record<string, unknown>) : [];
  const proxies = services.filter((s): s is Record<string, unknown> => {
    const svc = s as { Kind?: unknown; Proxy?: { DestinationServiceID?: unknown } } | null;
    return svc?.Kind === 'connect-proxy' && svc.Proxy?.DestinationServiceID === serviceId;
  });
  if (proxies.length === 0) return { wait: { kind: 'not-registered', serviceId } };
  if (proxies.length > 1) {
    const ids = proxies.map((p) => String(p.ID)).sort();
    throw new Error(`more than one connect-proxy is registered for ${serviceId} (${ids.join(', ')}): the sidecar cannot tell which it is`);
  }
  // /v1/agent/service/:id is the documented endpoint for a proxy's own definition (Consul >= 1.3).
  const proxyId = String(proxies[0]!.ID);
  return readRegistration(client, proxyId, signal);
}

/**
 * Reads and validates one proxy registration, fetching the destination service's Port when Proxy.LocalServicePort
 * is unset. Exported for watch-sidecar.
 */
export async function readRegistration(
  client: ConsulClient,
  proxyId: string,
  signal?: AbortSignal,
  raw?: unknown,
): Promise<{ registration: SidecarRegistration } | { wait: SidecarWait }> {
  const body = raw ?? (await getOrUndefined(client, `/v1/agent/service/${encodeURIComponent(proxyId)}`, signal));
  if (body === undefined) return { wait: { kind: 'not-registered', serviceId: proxyId } };
  const proxy = (body as { Proxy?: { LocalServicePort?: unknown; DestinationServiceID?: unknown } }).Proxy;
  let destinationPort: number | undefined;
  if (!proxy?.LocalServicePort && typeof proxy?.DestinationServiceID === 'string' && proxy.DestinationServiceID) {
    const destination = await getOrUndefined(client, `/v1/agent/service/${encodeURIComponent(proxy.DestinationServiceID)}`, signal);
    if (destination === undefined) {
      return { wait: { kind: 'destination-not-registered', proxyId, destinationServiceId: proxy.DestinationServiceID } };
    }
    const port = (destination as { Port?: unknown }).Port;
    destinationPort = typeof port === 'number' ? port : undefined;
  }
  return { registration: parseSidecarRegistration(body, destinationPort) };
}

async function getOrUndefined(client: ConsulClient, path: string, signal?: AbortSignal): Promise<unknown> {
  try {
    return (await client.get(path, { signal })).body;
  } catch (err) {
    // "unknown service ID": deregistered, or not registered yet.
    if (err instanceof ConsulError && err.status === 404) return undefined;
    throw err;
  }
}
