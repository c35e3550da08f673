// The measured topology: a real Consul, the echo backend registered with a sidecar, and a client instance whose sidecar has it as an upstream.
//
//   h2load ─► client sidecar (upstream port) ─► server sidecar (inbound port) ─► echo backend
//
// The registrations are the ones test/support/mesh.ts makes (Connect.SidecarService), except each
// sidecar gets a TTL check that starts passing: the default TCP check may take its whole 10 s
// interval to run for the first time, and the bench has no time to wait for it.
import { join } from 'node:path';
import { freePort, startConsul, type ConsulServer } from '../servers/index.js';
import { startBenchSidecar, type BenchSidecar } from './bench-sidecar.js';

export const UPSTREAM = 'bench-echo';
const CLIENT = 'bench-client';
const CLUSTER_TIMEOUT_MS = 20_000;

export interface BenchMesh {
  readonly consul: ConsulServer;
  /** The server's sidecar (inbound → backend) and the client's (upstream port → server sidecar). */
  readonly serverSidecar: BenchSidecar;
  readonly clientSidecar: BenchSidecar;
  readonly inboundPort: number;
  readonly upstreamPort: number;
  /** Stops both sidecars and starts them again with these node flags (the profile run); waits until the pair routes. */
  restartSidecars(nodeArgs: readonly string[], tag: string): Promise<void>;
  stopSidecars(): Promise<void>;
}

async function consulPut(consul: ConsulServer, path: string, body: unknown): Promise<void> {
  const res = await fetch(`${consul.httpAddr}${path}`, { method: 'PUT', body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`consul PUT ${path}: ${res.status} ${await res.text()}`);
}

async function register(consul: ConsulServer, name: string, appPort: number, sidecarPort: number, upstreams: unknown[]): Promise<string> {
  const id = `${name}-1`;
  await consulPut(consul, '/v1/agent/service/register', {
    ID: id,
    Name: name,
    Address: '127.0.0.1',
    Port: appPort,
    Connect: {
      SidecarService: {
        Port: sidecarPort,
        Checks: [{ Name: 'bench: passing from the start', TTL: '24h', Status: 'passing' }],
        Proxy: { Upstreams: upstreams },
      },
    },
  });
  return id;
}

/** Polls the client sidecar's /clusters until the upstream lists the server's sidecar. */
async function waitForRoute(sidecar: BenchSidecar): Promise<void> {
  const until = Date.now() + CLUSTER_TIMEOUT_MS;
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${sidecar.adminPort}/clusters`);
      const clusters = (await res.json()) as { upstreams: Array<{ name: string; endpoints: unknown[] }> };
      if ((clusters.upstreams.find((u) => u.name === UPSTREAM)?.endpoints.length ?? 0) > 0) return;
    } catch {
      // not answering yet
    }
    if (Date.now() > until) throw new Error(`${sidecar.serviceId}'s /clusters has no endpoint of ${UPSTREAM} after ${CLUSTER_TIMEOUT_MS} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Starts Consul, registers both instances and starts both sidecars as processes. `onStarted` gets
 * every stop as soon as there is something to stop, so a failure halfway still cleans up.
 */
export async function startBenchMesh(o: {
  /** The mesh-proxy bin (sidecar-source.ts). */
  sidecarBin: string;
  backendPort: number;
  logDir: string;
  nodeArgs: readonly string[];
  onStarted: (label: string, stop: () => Promise<void>) => void;
}): Promise<BenchMesh> {
  // In the run's folder, so that its log outlives the run (a sidecar that cannot reach the agent says little).
  const consul = await startConsul({ dataDir: join(o.logDir, 'consul') });
  o.onStarted('consul', () => consul.stop());
  const [inboundPort, upstreamPort, clientAppPort, clientSidecarPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const serverId = await register(consul, UPSTREAM, o.backendPort, inboundPort, []);
  const clientId = await register(consul, CLIENT, clientAppPort, clientSidecarPort, [{ DestinationName: UPSTREAM, LocalBindPort: upstreamPort }]);

  let server: BenchSidecar | undefined;
  let client: BenchSidecar | undefined;
  const stopSidecars = async () => {
    await Promise.all([server?.stop(), client?.stop()]);
    server = client = undefined;
  };
  o.onStarted('sidecars', stopSidecars);
  const start = async (nodeArgs: readonly string[], tag: string) => {
    const launch = (serviceId: string) =>
      startBenchSidecar({ bin: o.sidecarBin, serviceId, consulAddr: consul.httpAddr, nodeArgs, logFile: join(o.logDir, `${serviceId}-sidecar${tag}.log`) });
    const started = await Promise.allSettled([launch(serverId), launch(clientId)]);
    if (started[0].status === 'fulfilled') server = started[0].value;
    if (started[1].status === 'fulfilled') client = started[1].value;
    const failed = started.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    await waitForRoute(client!);
  };
  await start(o.nodeArgs, '');
  return {
    consul,
    get serverSidecar() {
      return server!;
    },
    get clientSidecar() {
      return client!;
    },
    inboundPort,
    upstreamPort,
    restartSidecars: async (nodeArgs, tag) => {
      await stopSidecars();
      await start(nodeArgs, tag);
    },
    stopSidecars,
  };
}
