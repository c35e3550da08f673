// Circuit breaking: outlier detection that ejects failing endpoints, and per-upstream concurrency limits.

export {
  ConcurrencyLimiter,
  DEFAULT_MAX_ACTIVE,
  DEFAULT_MAX_PENDING,
  type ConcurrencyLimiterOptions,
  type LimiterStats,
  type Release,
} from './concurrency-limiter.js';
export {
  DEFAULT_BASE_EJECTION_MS,
  DEFAULT_CONSECUTIVE_FAILURES,
  DEFAULT_MAX_EJECTION_MS,
  DEFAULT_MAX_EJECTION_PERCENT,
  DEFAULT_PROBE_TIMEOUT_MS,
  OutlierDetector,
  type EjectionEvent,
  type EjectionReason,
  type EndpointHealth,
  type EndpointHealthState,
  type OutlierDetectorOptions,
  type OutlierStats,
} from './outlier-detector.js';
export { Overloaded, type OverloadReason } from './overloaded.js';
