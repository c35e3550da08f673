// The standard grpc.health.v1.Health service, fed by the service's real readiness.
import { EventEmitter, on } from 'node:events';
import { ServiceError, Code } from '../errors/index.js';
import { Health, HealthCheckResponse_ServingStatus as ServingStatus } from '../../gen/grpc/health/v1/health_pb.js';
import { bind, type ServiceBinding } from './handlers.js';

export { ServingStatus };

/** Status per service name; "" is the server as a whole (what Consul's GRPC check asks). */
export class HealthRegistry {
  private readonly statuses = new Map<string, ServingStatus>([['', ServingStatus.NOT_SERVING]]);
  private readonly changes = new EventEmitter();

  constructor() {
    // Every Watch stream listens; there may be many.
    this.changes.setMaxListeners(0);
  }

  set(service: string, status: ServingStatus): void {
    if (this.statuses.get(service) === status) return;
    this.statuses.set(service, status);
    this.changes.emit('change', service, status);
  }

  /** Sets every known service (and the server) at once: SERVING when ready, NOT_SERVING when draining. */
  setAll(status: ServingStatus): void {
    for (const service of [...this.statuses.keys()]) this.set(service, status);
  }

  get(service: string): ServingStatus | undefined {
    return this.statuses.get(service);
  }

  /** The Health service bound to this registry. */
  binding(): ServiceBinding {
    return bind(Health, {
      check: async (req) => {
        const status = this.statuses.get(req.service);
        // The spec: an unknown service is NOT_FOUND for Check.
        if (status === undefined) throw new ServiceError(Code.NOT_FOUND, `unknown service "${req.service}"`);
        return { status };
      },
      watch: (req, ctx) => this.watch(req.service, ctx.signal),
    });
  }

  private async *watch(service: string, signal: AbortSignal): AsyncGenerator<{ status: ServingStatus }> {
    // Subscribe before reading the current value so no change falls between the two.
    const changes = on(this.changes, 'change', { signal });
    let last = this.statuses.get(service) ?? ServingStatus.SERVICE_UNKNOWN;
    yield { status: last };
    for await (const [changed, status] of changes as AsyncIterable<[string, ServingStatus]>) {
      if (changed !== service || status === last) continue;
      last = status;
      yield { status };
    }
  }
}
