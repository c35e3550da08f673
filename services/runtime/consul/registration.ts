// Builds a service instance's Consul registration from its configuration (a pure function).
import type { AgentServiceRegistration } from './agent-client.js';

export interface RegistrationInput {
  name: string;
  instance: string;
  version: string;
  region: string;
  zone: string;
  tags: readonly string[];
  weights: { passing: number; warning: number };
  /** Address Consul and the sidecar reach the app on (loopback: only the sidecar should). */
  address: string;
  port: number;
  /** Sidecar inbound port; 0 lets Consul choose from its sidecar port range. */
  sidecarPort: number;
  upstreams: ReadonlyArray<{ destinationName: string; localBindPort: number }>;
  checkIntervalMs: number;
  checkTimeoutMs: number;
  deregisterCriticalAfterMs: number;
}

/** The Consul service ID of an instance: `<name>-<instance>`. */
export function serviceId(name: string, instance: string): string {
  return `${name}-${instance}`;
}

/** Go duration syntax as Consul parses it. */
function duration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

export function buildRegistration(input: RegistrationInput): AgentServiceRegistration {
  const id = serviceId(input.name, input.instance);
  return {
    ID: id,
    Name: input.name,
    Tags: [...input.tags],
    Address: input.address,
    Port: input.port,
    Meta: { version: input.version, region: input.region, zone: input.zone, instance: input.instance },
    Weights: { Passing: input.weights.passing, Warning: input.weights.warning },
    // Consul's GRPC check calls grpc.health.v1.Health/Check with service "" (the server as a whole).
    Check: {
      CheckID: `${id}:grpc-health`,
      Name: `${input.name} gRPC health`,
      GRPC: `${input.address}:${input.port}`,
      GRPCUseTLS: false,
      Interval: duration(input.checkIntervalMs),
      Timeout: duration(input.checkTimeoutMs),
      DeregisterCriticalServiceAfter: duration(input.deregisterCriticalAfterMs),
    },
    // The sidecar (mesh-proxy --sidecar-for <id>) reads its listeners from this registration,
    // the same contract as `consul connect envoy -sidecar-for`.
    Connect: {
      SidecarService: {
        ...(input.sidecarPort > 0 ? { Port: input.sidecarPort } : {}),
        // Callers reach the instance through its sidecar, so the sidecar's registration is what
        // /v1/health/connect returns and what balancers weigh; Consul does not copy the
        // service's Weights to it (1.8 defaults them to 1).
        Weights: { Passing: input.weights.passing, Warning: input.weights.warning },
        Proxy: {
          Upstreams: input.upstreams.map((u) => ({ DestinationName: u.destinationName, LocalBindPort: u.localBindPort })),
        },
      },
    },
  };
}
