// Config: the sidecar's registration turned into one validated, immutable ProxyConfig snapshot.
export { parseProxyConfig, type ProxyConfig, type ProxyConfigOptions, type InboundConfig, type UpstreamConfig } from './proxy-config.js';
export { ConfigError } from './config-error.js';
export {
  BALANCERS,
  DEFAULT_UPSTREAM_POLICIES,
  DEFAULT_RETRY,
  DEFAULT_OUTLIER,
  DEFAULT_LIMITS,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  type Balancer,
  type RetryPolicy,
  type OutlierPolicy,
  type Limits,
  type UpstreamPolicies,
} from './upstream-config.js';
export { DEFAULT_LOCAL_CONNECT_TIMEOUT_MS, DEFAULT_SHUTDOWN_GRACE_MS, type InboundSettings } from './inbound-config.js';
export { GRPC_CODE_NAMES, grpcCodeName, parseGrpcCode, type GrpcCodeName } from './grpc-code.js';
