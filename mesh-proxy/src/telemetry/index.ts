// Telemetry: Prometheus metrics, W3C trace context and OpenTelemetry spans, and the sidecar's logger.
export {
  ProxyMetrics,
  METRIC_PREFIX,
  DURATION_BUCKETS_SECONDS,
  type Direction,
  type Peer,
  type EndpointState,
  type ShedReason,
  type RequestMetrics,
  type UpstreamMetrics,
  type ConnectionMetrics,
} from './metrics.js';
export {
  parseTraceparent,
  formatTraceparent,
  childTraceparent,
  FLAG_SAMPLED,
  FLAG_RANDOM,
  type TraceParent,
} from './trace-context.js';
export { startCallSpan, sdkTracer, splitGrpcPath, TRACER_NAME, type CallSpan, type CallSpanInput } from './call-span.js';
export { newTraceId, newSpanId } from './trace-ids.js';
export { createLogger, safeHeaders, LOGGED_HEADER_VALUES, REDACTED, type Logger, type LoggableHeaders, type SidecarLogOptions } from './log.js';
