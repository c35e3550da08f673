// The gRPC client side of the runtime.
export { createClient, isGrpcError, type ServiceClient, type CallOptionsIn, type ClientOptions } from './grpc-client.js';
