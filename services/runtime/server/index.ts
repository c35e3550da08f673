// The gRPC server side of the runtime: typed handlers, call context, interceptors, health.
export { GrpcServer, type GrpcServerOptions } from './grpc-server.js';
export { bind, type ServiceImpl, type ServiceBinding, type HandlerFor } from './handlers.js';
export { createContextKey, remainingMs, type CallContext, type ContextKey } from './call-context.js';
export { chain, type Interceptor, type CallHandler } from './interceptor.js';
export { HealthRegistry, ServingStatus } from './health.js';
export { methodPath } from './method-adapter.js';
