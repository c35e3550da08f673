// Service instances with sidecars on a real Consul agent, registered exactly as services/runtime/consul builds them,
// with real listeners so that Consul's checks pass: a gRPC health server on the app port (the service's GRPC
// check) and a TCP listener on the sidecar port (the sidecar's default "Connect Sidecar Listening" check).
import { Server, ServerCredentials, type ServiceDefinition } from '@grpc/grpc-js';
import { createServer, type Server as NetServer } from 'node:net';
import { freePort } from '../../../../scripts/servers/index.js';
import { buildRegistration, type AgentServiceRegistration } from '../../../../services/runtime/consul/index.js';

/** grpc.health.v1.Health/Check answering SERVING, without protobuf: HealthCheckResponse{status: 1} is 0x08 0x01. */
const HEALTH: ServiceDefinition = {
  Check: {
    path: '/grpc.health.v1.Health/Check',
    requestStream: false,
    responseStream: false,
    requestSerialize: (b: Buffer) => b,
    requestDeserialize: (b: Buffer) => b,
    responseSerialize: (b: Buffer) => b,
    responseDeserialize: (b: Buffer) => b,
  },
};
const SERVING = Buffer.from([0x08, 0x01]);

export interface InstanceOptions {
  name: string;
  instance: string;
  upstreams?: Array<{ destinationName: string; localBindPort: number }>;
  /** The instance weights (set on the service and on its sidecar, which /v1/health/connect shows). */
  weights?: { passing: number; warning: number };
  /** Start the app's health server (default true). */
  appUp?: boolean;
  /** Listen on the sidecar port (default true). */
  sidecarUp?: boolean;
}

export interface Instance {
  readonly id: string;
  readonly appPort: number;
  readonly sidecarPort: number;
  readonly registration: AgentServiceRegistration;
  register(): Promise<void>;
  deregister(): Promise<void>;
  startApp(): Promise<void>;
  stopApp(): Promise<void>;
  startSidecar(): Promise<void>;
  stopSidecar(): Promise<void>;
  /** Stops every listener (does not deregister). */
  close(): Promise<void>;
}

export async function instance(httpAddr: string, o: InstanceOptions): Promise<Instance> {
  const [appPort, sidecarPort] = await Promise.all([freePort(), freePort()]);
  const registration = buildRegistration({
    name: o.name,
    instance: o.instance,
    version: '1.0.0',
    region: 'local',
    zone: 'a',
    tags: ['grpc'],
    weights: o.weights ?? { passing: 1, warning: 1 },
    address: '127.0.0.1',
    port: appPort,
    sidecarPort,
    upstreams: o.upstreams ?? [],
    checkIntervalMs: 1000,
    checkTimeoutMs: 1000,
    deregisterCriticalAfterMs: 60_000,
  });

  let app: Server | undefined;
  let sidecar: NetServer | undefined;
  const put = async (path: string, body?: unknown) => {
    const res = await fetch(`${httpAddr}${path}`, { method: 'PUT', body: body === undefined ? null : JSON.stringify(body) });
    if (!res.ok) throw new Error(`PUT ${path}: HTTP ${res.status}: ${await res.text()}`);
  };
  const handle: Instance = {
    id: registration.ID,
    appPort,
    sidecarPort,
    registration,
    register: () => put('/v1/agent/service/register?replace-existing-checks=true', registration),
    deregister: () => put(`/v1/agent/service/deregister/${encodeURIComponent(registration.ID)}`),
    startApp: async () => {
      if (app) return;
      const server = new Server();
      server.addService(HEALTH, { Check: (_call: unknown, cb: (err: null, res: Buffer) => void) => cb(null, SERVING) });
      await new Promise<void>((resolve, reject) =>
        server.bindAsync(`127.0.0.1:${appPort}`, ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())),
      );
      app = server;
    },
    stopApp: async () => {
      const server = app;
      app = undefined;
      server?.forceShutdown();
    },
    startSidecar: async () => {
      if (sidecar) return;
      const server = createServer((socket) => socket.destroy());
      await new Promise<void>((resolve, reject) => server.once('error', reject).listen(sidecarPort, '127.0.0.1', resolve));
      sidecar = server;
    },
    stopSidecar: async () => {
      const server = sidecar;
      sidecar = undefined;
      if (server) await new Promise<void>((r) => server.close(() => r()));
    },
    close: async () => {
      await Promise.all([handle.stopApp(), handle.stopSidecar()]);
    },
  };
  if (o.appUp ?? true) await handle.startApp();
  if (o.sidecarUp ?? true) await handle.startSidecar();
  return handle;
}
