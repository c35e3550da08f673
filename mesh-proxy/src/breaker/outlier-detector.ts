// Outlier detection (Envoy's consecutive-failure ejection): endpoints that keep failing leave the rotation for a growing time, then one probe at a time decides their return.

import type { Clock } from '../clock.js';
import { checkOption, isInteger } from './check-option.js';

/** Consecutive failed results that eject an endpoint (Envoy's `consecutive_5xx` default). */
export const DEFAULT_CONSECUTIVE_FAILURES = 5;
/** An ejection lasts this × the endpoint's ejection count (Envoy's `base_ejection_time` default). */
export const DEFAULT_BASE_EJECTION_MS = 10_000;
/** No ejection lasts longer (Envoy's `max_ejection_time` default). */
export const DEFAULT_MAX_EJECTION_MS = 300_000;
/** At most this share of the known endpoints is out of rotation, rounded down; never all of them. */
export const DEFAULT_MAX_EJECTION_PERCENT = 50;
/** A probe with no verdict after this long frees its slot for another probe, so a lost result can't strand an endpoint. */
export const DEFAULT_PROBE_TIMEOUT_MS = 10_000;

export type EndpointHealthState = 'healthy' | 'ejected' | 'probing';

/** One endpoint in `snapshot()`, for /clusters. */
export interface EndpointHealth {
  readonly state: EndpointHealthState;
  readonly consecutiveFailures: number;
  /** The ejection multiplier: +1 per ejection, -1 per `baseEjectionMs` healthy, at most ⌈max/base⌉. */
  readonly ejections: number;
  /** Epoch ms when the ejection ends (probing once past); undefined when healthy. */
  readonly ejectedUntil: number | undefined;
}

export type EjectionReason = 'consecutive_failures' | 'probe_failed';

export interface EjectionEvent {
  readonly reason: EjectionReason;
  readonly ejections: number;
  readonly durationMs: number;
  readonly ejectedUntil: number;
}

export interface OutlierDetectorOptions {
  clock: Clock;
  consecutiveFailures?: number;
  baseEjectionMs?: number;
  maxEjectionMs?: number;
  maxEjectionPercent?: number;
  probeTimeoutMs?: number;
  /** Called on every ejection (for a metric and a log line). */
  onEject?: (id: string, event: EjectionEvent) => void;
}

export interface OutlierStats {
  /** Ejections made, including probes that failed. */
  readonly ejections: number;
  /** Failures past the threshold that did not eject because of maxEjectionPercent (Envoy's `ejections_overflow`). */
  readonly overflow: number;
}

interface Entry {
  consecutiveFailures: number;
  ejections: number;
  /** 0 while in rotation; else the end of the ejection (probing once past it). */
  ejectedUntil: number;
  /** When the current ejection started: the most recent ejections are returned first if the cap shrinks. */
  ejectedAt: number;
  /** When the probe in flight started; -1 when the probe slot is free. */
  probeStartedAt: number;
  /** While healthy, the ejection count decays by one per base period counted from here. */
  decayFrom: number;
}

/**
 * Per endpoint id:
 *
 *   healthy --N consecutive failures--> ejected --time up--> probing --probe ok--> healthy
 *                                          ^                    |
 *                                          +----probe failed----+   (ejected again, for longer)
 *
 * What counts as a failure is the router's business (connect failures, resets, UNAVAILABLE…): it calls
 * `onStart` when it sends a request to an endpoint and `onResult` with the verdict as soon as it has one
 * (response headers or a trailers-only status, not the end of a long stream), or `onAbandon` when the
 * request ended without one (cancelled by the caller). Results for an endpoint while it is ejected come
 * from requests sent before the ejection and are ignored. While probing, the first result to arrive is
 * taken as the probe's verdict.
 *
 * Ejected and probing endpoints both count against maxEjectionPercent; when it is reached, further
 * failing endpoints stay in rotation (the earliest ejected stay out), and if a discovery update shrinks
 * the set below the share already out, the most recently ejected return to rotation.
 */
export class OutlierDetector {
  private readonly clock: Clock;
  private readonly consecutiveFailures: number;
  private readonly baseEjectionMs: number;
  private readonly maxEjectionMs: number;
  private readonly maxEjectionPercent: number;
  private readonly probeTimeoutMs: number;
  private readonly maxMultiplier: number;
  private readonly onEject: ((id: string, event: EjectionEvent) => void) | undefined;
  private entries = new Map<string, Entry>();
  /** Endpoints ejected or probing. */
  private out = 0;
  private ejectionsTotal = 0;
  private overflowTotal = 0;

  constructor(options: OutlierDetectorOptions) {
    const {
      clock,
      consecutiveFailures = DEFAULT_CONSECUTIVE_FAILURES,
      baseEjectionMs = DEFAULT_BASE_EJECTION_MS,
      maxEjectionMs = DEFAULT_MAX_EJECTION_MS,
      maxEjectionPercent = DEFAULT_MAX_EJECTION_PERCENT,
      probeTimeoutMs = DEFAULT_PROBE_TIMEOUT_MS,
    } = options;
    checkOption(isInteger(consecutiveFailures, 1), 'consecutiveFailures', 'an integer ≥ 1', consecutiveFailures);
    checkOption(isInteger(baseEjectionMs, 1), 'baseEjectionMs', 'an integer ≥ 1', baseEjectionMs);
    checkOption(isInteger(maxEjectionMs, baseEjectionMs), 'maxEjectionMs', `an integer ≥ baseEjectionMs (${baseEjectionMs})`, maxEjectionMs);
    checkOption(maxEjectionPercent >= 0 && maxEjectionPercent <= 100, 'maxEjectionPercent', 'between 0 and 100', maxEjectionPercent);
    checkOption(isInteger(probeTimeoutMs, 1), 'probeTimeoutMs', 'an integer ≥ 1', probeTimeoutMs);
    this.clock = clock;
    this.consecutiveFailures = consecutiveFailures;
    this.baseEjectionMs = baseEjectionMs;
    this.maxEjectionMs = maxEjectionMs;
    this.maxEjectionPercent = maxEjectionPercent;
    this.probeTimeoutMs = probeTimeoutMs;
    // Past this, longer ejections would not last longer, only take longer to decay.
    this.maxMultiplier = Math.ceil(maxEjectionMs / baseEjectionMs);
    this.onEject = options.onEject;
  }

  /** Replaces the known endpoints (discovery update): new ones start healthy, removed ones are forgotten. */
  update(ids: Iterable<string>): void {
    const now = this.clock.now();
    const next = new Map<string, Entry>();
    for (const id of ids) {
      if (!next.has(id)) next.set(id, this.entries.get(id) ?? healthyEntry(now));
    }
    this.entries = next;
    const out: Entry[] = [];
    for (const e of next.values()) if (e.ejectedUntil !== 0) out.push(e);
    this.out = out.length;
    const excess = this.out - this.maxOut();
    if (excess > 0) {
      out.sort((a, b) => b.ejectedAt - a.ejectedAt);
      for (let i = 0; i < excess; i++) this.restore(out[i]!, now);
    }
  }

  /** Whether a request may go to `id` now: healthy, or probing with the probe slot free. Unknown ids are eligible. O(1). */
  eligible(id: string): boolean {
    const e = this.entries.get(id);
    if (e === undefined || e.ejectedUntil === 0) return true;
    const now = this.clock.now();
    if (now < e.ejectedUntil) return false;
    return e.probeStartedAt < 0 || now - e.probeStartedAt >= this.probeTimeoutMs;
  }

  /** A request to `id` starts: when the endpoint is probing, it takes the probe slot. */
  onStart(id: string): void {
    const e = this.entries.get(id);
    if (e === undefined || e.ejectedUntil === 0) return;
    const now = this.clock.now();
    if (now < e.ejectedUntil) return;
    if (e.probeStartedAt < 0 || now - e.probeStartedAt >= this.probeTimeoutMs) e.probeStartedAt = now;
  }

  /** A request to `id` ended without a verdict on the endpoint: frees the probe slot, changes nothing else. */
  onAbandon(id: string): void {
    const e = this.entries.get(id);
    if (e !== undefined) e.probeStartedAt = -1;
  }

  /** The verdict on a request to `id`. */
  onResult(id: string, ok: boolean): void {
    const e = this.entries.get(id);
    if (e === undefined) return;
    if (e.ejectedUntil !== 0) {
      const now = this.clock.now();
      if (now < e.ejectedUntil) return;
      e.probeStartedAt = -1;
      if (ok) this.restore(e, now);
      else {
        e.consecutiveFailures++;
        this.eject(id, e, now, 'probe_failed');
      }
      return;
    }
    if (ok) {
      e.consecutiveFailures = 0;
      return;
    }
    e.consecutiveFailures++;
    if (e.consecutiveFailures < this.consecutiveFailures) return;
    if (this.out >= this.maxOut()) {
      this.overflowTotal++;
      return;
    }
    this.out++;
    this.eject(id, e, this.clock.now(), 'consecutive_failures');
  }

  /** Every known endpoint's state by id, for /clusters. */
  snapshot(): Record<string, EndpointHealth> {
    const now = this.clock.now();
    const out: Array<[string, EndpointHealth]> = [];
    for (const [id, e] of this.entries) {
      this.decay(e, now);
      const state: EndpointHealthState = e.ejectedUntil === 0 ? 'healthy' : now < e.ejectedUntil ? 'ejected' : 'probing';
      out.push([
        id,
        {
          state,
          consecutiveFailures: e.consecutiveFailures,
          ejections: e.ejections,
          ejectedUntil: e.ejectedUntil === 0 ? undefined : e.ejectedUntil,
        },
      ]);
    }
    // fromEntries defines own properties, so even an id like "__proto__" is an ordinary key.
    return Object.fromEntries(out);
  }

  stats(): OutlierStats {
    return { ejections: this.ejectionsTotal, overflow: this.overflowTotal };
  }

  /** floor(n × percent), and always at least one endpoint left in rotation: a lone endpoint is never ejected. */
  private maxOut(): number {
    const n = this.entries.size;
    return Math.max(0, Math.min(Math.floor((n * this.maxEjectionPercent) / 100), n - 1));
  }

  private eject(id: string, e: Entry, now: number, reason: EjectionReason): void {
    this.decay(e, now);
    e.ejections = Math.min(e.ejections + 1, this.maxMultiplier);
    const durationMs = Math.min(this.baseEjectionMs * e.ejections, this.maxEjectionMs);
    e.ejectedUntil = now + durationMs;
    e.ejectedAt = now;
    e.probeStartedAt = -1;
    this.ejectionsTotal++;
    this.onEject?.(id, { reason, ejections: e.ejections, durationMs, ejectedUntil: e.ejectedUntil });
  }

  /** Back in rotation; the ejection count stays and decays from now. */
  private restore(e: Entry, now: number): void {
    e.ejectedUntil = 0;
    e.probeStartedAt = -1;
    e.consecutiveFailures = 0;
    e.decayFrom = now;
    this.out--;
  }

  /** While healthy, one ejection is forgiven per base period (Envoy decrements its multiplier each interval). */
  private decay(e: Entry, now: number): void {
    if (e.ejectedUntil !== 0 || e.ejections === 0) return;
    const periods = Math.floor((now - e.decayFrom) / this.baseEjectionMs);
    if (periods <= 0) return;
    e.ejections = Math.max(0, e.ejections - periods);
    e.decayFrom += periods * this.baseEjectionMs;
  }
}

function healthyEntry(now: number): Entry {
  return { consecutiveFailures: 0, ejections: 0, ejectedUntil: 0, ejectedAt: 0, probeStartedAt: -1, decayFrom: now };
}
