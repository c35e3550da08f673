// A gRPC server for protobuf-es services on @grpc/grpc-js, with health and graceful shutdown.
import { Server, ServerCredentials, status as Code, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { ServiceError } from '../errors/index.js';
import type { Logger } from '../log.js';
import { HealthRegistry, ServingStatus } from './health.js';
import type { ServiceBinding } from './handlers.js';
import type { Interceptor } from './interceptor.js';
import { adaptMethod, methodDefinition, methodPath, type AdapterOptions } from './method-adapter.js';
import { Health } from '../../gen/grpc/health/v1/health_pb.js';
import type { DescService } from '@bufbuild/protobuf';
import { addReflection } from './reflection.js';

export interface GrpcServerOptions {
  log: Logger;
  /** ErrorInfo domain, e.g. "catalog.shopmesh". */
  errorDomain: string;
  interceptors?: readonly Interceptor[];
  maxMessageBytes?: number;
}

export class GrpcServer {
  readonly health = new HealthRegistry();
  private readonly server: Server;
  private readonly inFlight = new Set<AbortController>();
  private readonly adapterOptions: AdapterOptions;
  private readonly log: Logger;
  private boundPort: number | undefined;
  private readonly services: DescService[] = [];

  constructor(options: GrpcServerOptions) {
    this.log = options.log;
    this.server = new Server({
      'grpc.max_receive_message_length': options.maxMessageBytes ?? 4 * 1024 * 1024,
      'grpc.max_send_message_length': options.maxMessageBytes ?? 4 * 1024 * 1024,
    });
    this.adapterOptions = {
      log: options.log,
      interceptors: options.interceptors ?? [],
      errorDomain: options.errorDomain,
      inFlight: this.inFlight,
      quietPaths: new Set(Health.methods.map(methodPath)),
    };
    this.add(this.health.binding());
  }

  /** Adds a service; its name starts NOT_SERVING in health until the server is marked ready. */
  add(binding: ServiceBinding): this {
    const definition: Record<string, ReturnType<typeof methodDefinition>> = {};
    const impl: UntypedServiceImplementation = {};
    for (const method of binding.service.methods) {
      const handler = binding.impl[method.localName];
      if (typeof handler !== 'function') throw new Error(`${binding.service.typeName}: no handler for ${method.name}`);
      definition[method.localName] = methodDefinition(method);
      impl[method.localName] = adaptMethod(method, handler as (...args: unknown[]) => unknown, this.adapterOptions);
    }
    this.server.addService(definition, impl);
    this.services.push(binding.service as unknown as DescService);
    if (binding.service.typeName !== Health.typeName) this.health.set(binding.service.typeName, this.health.get('')!);
    return this;
  }

  /**
   * Binds host:port (0 = a free port) without TLS: the sidecar terminates mTLS in front.
   * Server reflection is added here, for every service added before.
   */
  listen(host: string, port: number): Promise<number> {
    addReflection(this.server, this.services);
    return new Promise((resolve, reject) => {
      this.server.bindAsync(`${host}:${port}`, ServerCredentials.createInsecure(), (err, bound) => {
        if (err) return reject(err);
        this.boundPort = bound;
        resolve(bound);
      });
    });
  }

  get port(): number | undefined {
    return this.boundPort;
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  /**
   * Stops accepting calls, lets in-flight ones finish for up to graceMs, then cancels the
   * rest (their handlers see the signal abort with UNAVAILABLE) and closes every connection.
   */
  async shutdown(graceMs: number): Promise<void> {
    this.health.setAll(ServingStatus.NOT_SERVING);
    const graceful = new Promise<void>((resolve) => this.server.tryShutdown(() => resolve()));
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<'expired'>((resolve) => (timer = setTimeout(() => resolve('expired'), graceMs)));
    const outcome = await Promise.race([graceful.then(() => 'drained' as const), expired]);
    clearTimeout(timer);
    if (outcome === 'expired') {
      this.log.warn({ inFlight: this.inFlight.size, graceMs }, 'shutdown grace expired, cancelling calls');
      for (const c of this.inFlight) c.abort(new ServiceError(Code.UNAVAILABLE, 'server shutting down'));
      this.server.forceShutdown();
    }
  }
}
