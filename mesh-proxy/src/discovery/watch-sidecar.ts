// Watches the sidecar's own registration for changes (new upstreams, config) with hash-based blocking queries.
//
// /v1/agent/service/:id supports hash-based blocking only (Consul >= 1.3): agent-local state has no raft index,
// so each answer carries X-Consul-ContentHash and ?hash= waits until it would differ. This only reports; applying
// a change (rebinding listeners, new policies) is the caller's decision.
// https://developer.hashicorp.com/consul/api-docs/agent/service#get-service-configuration
import { systemClock, systemRandom, type Clock, type Random } from '../clock.js';
import { blockingQuery, blockingTimeouts } from './blocking-query.js';
import type { ConsulClient } from './consul-client.js';
import { ConsulError } from './consul-error.js';
import { readRegistration } from './find-sidecar.js';
import { sameRegistration, type SidecarRegistration } from './sidecar-registration.js';

export type SidecarEvent =
  /** The registration now differs from the last one known, in a field the proxy runs from. */
  | { kind: 'changed'; registration: SidecarRegistration; previous: SidecarRegistration }
  /** The proxy was deregistered (a later re-registration is reported as 'changed' against the last known one). */
  | { kind: 'removed'; proxyId: string }
  /** The agent failed, or a new registration is invalid: the last known one stays in force. */
  | { kind: 'error'; error: Error };

export interface WatchSidecarOptions {
  onEvent: (event: SidecarEvent) => void;
  clock?: Clock;
  random?: Random;
  waitMs?: number;
  requestTimeoutMs?: number;
  backoff?: { baseMs: number; maxMs: number };
}

export interface SidecarWatch {
  /** The last registration reported (or the initial one). */
  current(): SidecarRegistration;
  /** Aborts the long poll at once; resolves when the loop has stopped. */
  close(): Promise<void>;
  readonly closed: Promise<void>;
}

/** Starts watching at once; throws at once on a wait/timeout combination that could never block usefully. */
export function watchSidecar(client: ConsulClient, initial: SidecarRegistration, options: WatchSidecarOptions): SidecarWatch {
  const path = `/v1/agent/service/${encodeURIComponent(initial.proxyId)}`;
  blockingTimeouts(path, options.waitMs, options.requestTimeoutMs);
  const abort = new AbortController();
  let current = initial;
  let removed = false;
  const emit = (event: SidecarEvent) => {
    try {
      options.onEvent(event);
    } catch {
      // A listener's failure must not end the watch.
    }
  };

  const run = async () => {
    const events = blockingQuery<unknown>({
      client,
      path,
      mode: 'hash',
      decode: (body) => body,
      signal: abort.signal,
      clock: options.clock ?? systemClock,
      random: options.random ?? systemRandom,
      ...(options.waitMs !== undefined && { waitMs: options.waitMs }),
      ...(options.requestTimeoutMs !== undefined && { requestTimeoutMs: options.requestTimeoutMs }),
      ...(options.backoff && { backoff: options.backoff }),
    });
    for await (const event of events) {
      switch (event.kind) {
        case 'unchanged':
          break;
        case 'error':
          if (event.error instanceof ConsulError && event.error.status === 404) {
            if (!removed) emit({ kind: 'removed', proxyId: initial.proxyId });
            removed = true;
          } else {
            emit({ kind: 'error', error: event.error });
          }
          break;
        case 'update': {
          let found: Awaited<ReturnType<typeof readRegistration>>;
          try {
            found = await readRegistration(client, initial.proxyId, abort.signal, event.value);
          } catch (err) {
            if (abort.signal.aborted) return;
            emit({ kind: 'error', error: err instanceof Error ? err : new Error(String(err)) });
            break;
          }
          if (!('registration' in found)) break; // destination not registered (yet): nothing new to run from
          removed = false;
          if (!sameRegistration(current, found.registration)) {
            const previous = current;
            current = found.registration;
            emit({ kind: 'changed', registration: current, previous });
          }
          break;
        }
        default: {
          const never: never = event;
          throw new Error(`unexpected event ${JSON.stringify(never)}`);
        }
      }
    }
  };

  const closed = run().catch((err: unknown) => emit({ kind: 'error', error: err instanceof Error ? err : new Error(String(err)) }));
  return {
    current: () => current,
    close: () => {
      abort.abort(new Error(`sidecar watch for ${initial.proxyId} closed`));
      return closed;
    },
    closed,
  };
}
