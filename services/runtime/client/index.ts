// The gRPC client side of the runtime: typed clients, reaching other services through the sidecar.
export { createClient, isGrpcError, type ServiceClient, type CallOptionsIn, type ClientOptions } from './grpc-client.js';
export { upstreamAddress, upstreamClient } from './upstream.js';
