// Discovery: the sidecar's own registration and its upstreams' healthy endpoints, from the local Consul agent.
//
// 1. ConsulClient talks to the agent at CONSUL_HTTP_ADDR (token, timeouts, errors naming the call).
// 2. findSidecar polls /v1/agent/services until the connect-proxy for `--sidecar-for <id>` appears.
// 3. watchSidecar long-polls /v1/agent/service/<proxyId> (hash blocking) and reports changed registrations.
// 4. EndpointWatcher long-polls /v1/health/connect/<upstream>?passing (index blocking) per upstream.
export {
  ConsulClient,
  consulOptionsFromEnv,
  normalizeAddress,
  DEFAULT_CONSUL_HTTP_ADDR,
  DEFAULT_REQUEST_TIMEOUT_MS,
  type ConsulClientOptions,
  type ConsulResponse,
  type QueryParams,
  type RequestOptions,
} from './consul-client.js';
export { ConsulError, type ConsulFailure } from './consul-error.js';
export {
  blockingQuery,
  blockingTimeouts,
  DEFAULT_WAIT_MS,
  MAX_WAIT_MS,
  DEFAULT_BLOCKING_SLACK_MS,
  DEFAULT_ERROR_BACKOFF,
  DEFAULT_RATE_LIMIT,
  type BlockingEvent,
  type BlockingQueryOptions,
} from './blocking-query.js';
export { nextIndex } from './blocking-cursor.js';
export type { Endpoint } from './endpoint.js';
export { EndpointWatcher, type EndpointWatcherOptions, type EndpointWatcherState } from './endpoint-watcher.js';
export {
  parseSidecarRegistration,
  sameRegistration,
  SidecarRegistrationError,
  DEFAULT_BIND_ADDRESS,
  DEFAULT_LOCAL_SERVICE_ADDRESS,
  DEFAULT_UPSTREAM_BIND_ADDRESS,
  type SidecarRegistration,
  type SidecarUpstream,
} from './sidecar-registration.js';
export { findSidecar, DEFAULT_SIDECAR_POLL_MS, DEFAULT_SIDECAR_BACKOFF, type FindSidecarOptions, type SidecarWait } from './find-sidecar.js';
export { watchSidecar, type SidecarEvent, type SidecarWatch, type WatchSidecarOptions } from './watch-sidecar.js';
