// One upstream's policies (balancing, timeouts, retries, outlier ejection, limits), read from Proxy.Upstreams[].Config.
//
// Keys are camelCase only (one spelling, as in every other shopmesh config). Example registration:
//   "Upstreams": [{ "DestinationName": "inventory", "LocalBindPort": 9191,
//                   "Config": { "balancer": "least_request", "retry": { "numRetries": 3, "retryOn": ["UNAVAILABLE", 8] } } }]
import { BALANCER_KINDS, DEFAULT_BALANCER_KIND, type BalancerKind } from '../balance/index.js';
import {
  DEFAULT_BASE_EJECTION_MS,
  DEFAULT_CONSECUTIVE_FAILURES,
  DEFAULT_MAX_ACTIVE,
  DEFAULT_MAX_EJECTION_MS,
  DEFAULT_MAX_EJECTION_PERCENT,
  DEFAULT_MAX_PENDING,
} from '../breaker/index.js';
import {
  DEFAULT_MAX_REPLAY_BYTES,
  DEFAULT_MIN_RETRY_CONCURRENCY,
  DEFAULT_NUM_RETRIES,
  DEFAULT_RETRY_BACKOFF_BASE_MS,
  DEFAULT_RETRY_BACKOFF_MAX_MS,
  DEFAULT_RETRY_BUDGET_RATIO,
  DEFAULT_RETRY_ON,
  DEFAULT_RETRY_ON_CONNECT_FAILURE,
  DEFAULT_RETRY_ON_REFUSED_STREAM,
  DEFAULT_RETRY_ON_RESET,
} from '../retry/index.js';
import { ConfigError, show } from './config-error.js';
import { parseGrpcCode } from './grpc-code.js';
import { readBool, readInt, readNumber, readObject, readOneOf, requireOrdered, type Raw } from './read-value.js';

/** The balancers configuration may name: balance/ owns the list. */
export const BALANCERS = BALANCER_KINDS;
export type Balancer = BalancerKind;

export interface RetryPolicy {
  /** Retries after the first attempt. */
  readonly numRetries: number;
  /** gRPC codes that may be retried (before response headers were forwarded). */
  readonly retryOn: readonly number[];
  readonly retryOnConnectFailure: boolean;
  /** RST_STREAM REFUSED_STREAM, or a stream past a GOAWAY's last id: never processed (RFC 9113 §8.7), always safe. */
  readonly retryOnRefusedStream: boolean;
  /** Any other stream reset before response headers: the server may have acted. */
  readonly retryOnReset: boolean;
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
  /** A request body larger than this is not buffered for replay, so its call is not retried. */
  readonly maxReplayBytes: number;
  /** Retries may add at most this share of the active requests (Envoy's retry budget)... */
  readonly budgetRatio: number;
  /** ...but at least this many concurrent retries are always allowed. */
  readonly budgetMinConcurrency: number;
}

export interface OutlierPolicy {
  /** Failures in a row that eject an endpoint. */
  readonly consecutiveFailures: number;
  /** First ejection; each further ejection of the same endpoint lasts longer, up to maxEjectionMs. */
  readonly baseEjectionMs: number;
  readonly maxEjectionMs: number;
  /** Never eject more than this share of the endpoints (0-100). */
  readonly maxEjectionPercent: number;
}

export interface Limits {
  /** Requests in flight at once; more wait... */
  readonly maxActive: number;
  /** ...up to this many; more fail fast with UNAVAILABLE. */
  readonly maxPending: number;
}

export interface UpstreamPolicies {
  readonly balancer: Balancer;
  readonly connectTimeoutMs: number;
  /** 0 = none; when set, the caller's grpc-timeout still wins if shorter. */
  readonly requestTimeoutMs: number;
  readonly retry: RetryPolicy;
  readonly outlier: OutlierPolicy;
  readonly limits: Limits;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 1_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 0;
// The primitives own their defaults; configuration only names them.
export const DEFAULT_RETRY: RetryPolicy = Object.freeze({
  numRetries: DEFAULT_NUM_RETRIES,
  retryOn: Object.freeze([...DEFAULT_RETRY_ON]),
  retryOnConnectFailure: DEFAULT_RETRY_ON_CONNECT_FAILURE,
  retryOnRefusedStream: DEFAULT_RETRY_ON_REFUSED_STREAM,
  retryOnReset: DEFAULT_RETRY_ON_RESET,
  backoffBaseMs: DEFAULT_RETRY_BACKOFF_BASE_MS,
  backoffMaxMs: DEFAULT_RETRY_BACKOFF_MAX_MS,
  maxReplayBytes: DEFAULT_MAX_REPLAY_BYTES,
  budgetRatio: DEFAULT_RETRY_BUDGET_RATIO,
  budgetMinConcurrency: DEFAULT_MIN_RETRY_CONCURRENCY,
});
export const DEFAULT_OUTLIER: OutlierPolicy = Object.freeze({
  consecutiveFailures: DEFAULT_CONSECUTIVE_FAILURES,
  baseEjectionMs: DEFAULT_BASE_EJECTION_MS,
  maxEjectionMs: DEFAULT_MAX_EJECTION_MS,
  maxEjectionPercent: DEFAULT_MAX_EJECTION_PERCENT,
});
export const DEFAULT_LIMITS: Limits = Object.freeze({ maxActive: DEFAULT_MAX_ACTIVE, maxPending: DEFAULT_MAX_PENDING });
export const DEFAULT_UPSTREAM_POLICIES: UpstreamPolicies = Object.freeze({
  balancer: DEFAULT_BALANCER_KIND,
  connectTimeoutMs: DEFAULT_CONNECT_TIMEOUT_MS,
  requestTimeoutMs: DEFAULT_REQUEST_TIMEOUT_MS,
  retry: DEFAULT_RETRY,
  outlier: DEFAULT_OUTLIER,
  limits: DEFAULT_LIMITS,
});

/** Longest timeout or ejection accepted: a day, so that a typo in units (ms for s) is caught as too large. */
const MAX_MS = 86_400_000;

/**
 * Keys that Consul itself may put in an upstream's Config (central config merges `protocol` from
 * service-defaults) or that belong to Envoy (`envoy_*`): ignored rather than rejected, so the same
 * registration can run under either proxy.
 */
export function isForeignKey(key: string): boolean {
  return key === 'protocol' || key.startsWith('envoy_');
}

export function parseUpstreamPolicies(rawConfig: unknown, path: string): UpstreamPolicies {
  const raw = readObject(rawConfig, path, ['balancer', 'connectTimeoutMs', 'requestTimeoutMs', 'retry', 'outlier', 'limits'], isForeignKey);
  return {
    balancer: readOneOf(raw, 'balancer', path, DEFAULT_UPSTREAM_POLICIES.balancer, BALANCERS),
    connectTimeoutMs: readInt(raw, 'connectTimeoutMs', path, DEFAULT_CONNECT_TIMEOUT_MS, { min: 1, max: MAX_MS }),
    requestTimeoutMs: readInt(raw, 'requestTimeoutMs', path, DEFAULT_REQUEST_TIMEOUT_MS, { min: 0, max: MAX_MS }),
    retry: parseRetry(raw.retry, `${path}.retry`),
    outlier: parseOutlier(raw.outlier, `${path}.outlier`),
    limits: parseLimits(raw.limits, `${path}.limits`),
  };
}

function parseRetry(rawRetry: unknown, path: string): RetryPolicy {
  const d = DEFAULT_RETRY;
  const raw = readObject(rawRetry, path, Object.keys(d));
  const retry: RetryPolicy = {
    numRetries: readInt(raw, 'numRetries', path, d.numRetries, { min: 0, max: 10 }),
    retryOn: readCodes(raw, 'retryOn', path, d.retryOn),
    retryOnConnectFailure: readBool(raw, 'retryOnConnectFailure', path, d.retryOnConnectFailure),
    retryOnRefusedStream: readBool(raw, 'retryOnRefusedStream', path, d.retryOnRefusedStream),
    retryOnReset: readBool(raw, 'retryOnReset', path, d.retryOnReset),
    backoffBaseMs: readInt(raw, 'backoffBaseMs', path, d.backoffBaseMs, { min: 1, max: MAX_MS }),
    backoffMaxMs: readInt(raw, 'backoffMaxMs', path, d.backoffMaxMs, { min: 1, max: MAX_MS }),
    maxReplayBytes: readInt(raw, 'maxReplayBytes', path, d.maxReplayBytes, { min: 0 }),
    budgetRatio: readNumber(raw, 'budgetRatio', path, d.budgetRatio, { min: 0, max: 1 }),
    budgetMinConcurrency: readInt(raw, 'budgetMinConcurrency', path, d.budgetMinConcurrency, { min: 0 }),
  };
  requireOrdered(path, 'backoffBaseMs', retry.backoffBaseMs, 'backoffMaxMs', retry.backoffMaxMs);
  return retry;
}

function readCodes(raw: Raw, key: string, path: string, fallback: readonly number[]): readonly number[] {
  const v = raw[key];
  if (v === undefined) return fallback;
  if (!Array.isArray(v)) throw new ConfigError(`${path}.${key}`, `expected a list of gRPC status codes, got ${show(v)}`);
  const codes = v.map((c, i) => parseGrpcCode(c, `${path}.${key}[${i}]`));
  if (codes.includes(0)) throw new ConfigError(`${path}.${key}`, 'OK (0) is not a failure and cannot be retried on');
  return [...new Set(codes)].sort((a, b) => a - b);
}

function parseOutlier(rawOutlier: unknown, path: string): OutlierPolicy {
  const d = DEFAULT_OUTLIER;
  const raw = readObject(rawOutlier, path, Object.keys(d));
  const outlier: OutlierPolicy = {
    consecutiveFailures: readInt(raw, 'consecutiveFailures', path, d.consecutiveFailures, { min: 1 }),
    baseEjectionMs: readInt(raw, 'baseEjectionMs', path, d.baseEjectionMs, { min: 1, max: MAX_MS }),
    maxEjectionMs: readInt(raw, 'maxEjectionMs', path, d.maxEjectionMs, { min: 1, max: MAX_MS }),
    maxEjectionPercent: readInt(raw, 'maxEjectionPercent', path, d.maxEjectionPercent, { min: 0, max: 100 }),
  };
  requireOrdered(path, 'baseEjectionMs', outlier.baseEjectionMs, 'maxEjectionMs', outlier.maxEjectionMs);
  return outlier;
}

export function parseLimits(rawLimits: unknown, path: string): Limits {
  const d = DEFAULT_LIMITS;
  const raw = readObject(rawLimits, path, Object.keys(d));
  return {
    maxActive: readInt(raw, 'maxActive', path, d.maxActive, { min: 1 }),
    maxPending: readInt(raw, 'maxPending', path, d.maxPending, { min: 0 }),
  };
}
