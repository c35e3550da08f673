// A small mesh for tests: instances registered in a real Consul agent, each with a real
// `mesh-proxy --sidecar-for` process, the way `make up` runs them.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, type ConsulServer } from '../../scripts/servers/index.js';
import { startSidecarProcess } from '../../scripts/platform/sidecar-process.js';
import { eventually } from './eventually.js';


export interface InstanceSpec {
  name: string;
  instance: string;
  /** The app's port (the sidecar forwards inbound calls there). */
  port: number;
  /** The sidecar's inbound port; a free one by default. */
  sidecarPort?: number;
  upstreams?: Array<{ destinationName: string; localBindPort: number; config?: Record<string, unknown> }>;
  /** Weights.Passing of the sidecar (what callers balance by). */
  weight?: number;
}

export interface RegisteredInstance {
  serviceId: string;
  sidecarId: string;
  sidecarPort: number;
  deregister(): Promise<void>;
}

async function consulPut(consul: ConsulServer, path: string, body?: unknown): Promise<void> {
  const res = await fetch(`${consul.httpAddr}${path}`, { method: 'PUT', ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  if (!res.ok) throw new Error(`consul PUT ${path}: ${res.status} ${await res.text()}`);
}

/** Registers an instance with its sidecar (Connect.SidecarService), as services/runtime does. No app check: it counts as healthy. */
export async function registerInstance(consul: ConsulServer, spec: InstanceSpec): Promise<RegisteredInstance> {
  const serviceId = `${spec.name}-${spec.instance}`;
  const sidecarPort = spec.sidecarPort ?? (await freePort());
  const weights = { Passing: spec.weight ?? 1, Warning: 1 };
  await consulPut(consul, '/v1/agent/service/register', {
    ID: serviceId,
    Name: spec.name,
    Address: '127.0.0.1',
    Port: spec.port,
    Weights: weights,
    Connect: {
      SidecarService: {
        Port: sidecarPort,
        Weights: weights,
        Proxy: {
          Upstreams: (spec.upstreams ?? []).map((u) => ({ DestinationName: u.destinationName, LocalBindPort: u.localBindPort, ...(u.config ? { Config: u.config } : {}) })),
        },
      },
    },
  });
  return {
    serviceId,
    sidecarId: `${serviceId}-sidecar-proxy`,
    sidecarPort,
    deregister: () => consulPut(consul, `/v1/agent/service/deregister/${serviceId}`),
  };
}

export interface SidecarProcess {
  readonly serviceId: string;
  readonly pid: number;
  readonly adminPort: number;
  /** The sidecar's log so far (JSON lines). */
  log(): string;
  /** GET on its admin port, as text. */
  admin(path: string): Promise<{ status: number; body: string }>;
  /** SIGTERM (graceful), then SIGKILL after a bound; removes its folder. */
  stop(): Promise<void>;
  /** SIGKILL now. */
  kill(): void;
  exitReason(): string | undefined;
}

/** Runs `mesh-proxy --sidecar-for <serviceId>` as its own process (as `make up` does); resolves once it serves. */
export async function startSidecar(consul: ConsulServer, serviceId: string, o: { logLevel?: string; env?: Record<string, string> } = {}): Promise<SidecarProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'shopmesh-test-sidecar-'));
  const logFile = join(dir, 'sidecar.log');
  let sidecar: Awaited<ReturnType<typeof startSidecarProcess>>;
  try {
    sidecar = await startSidecarProcess({
      serviceId,
      consulAddr: consul.httpAddr,
      adminPort: 0,
      logFile,
      readyTimeoutMs: 20_000,
      removeDirOnOrphan: dir,
      ...(o.logLevel ? { logLevel: o.logLevel } : {}),
      ...(o.env ? { env: o.env } : {}),
    });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const { adminPort, process: proc } = sidecar;
  return {
    serviceId,
    pid: proc.pid,
    adminPort,
    log: () => {
      try {
        return readFileSync(logFile, 'utf8');
      } catch {
        return '';
      }
    },
    admin: async (path) => {
      const res = await fetch(`http://127.0.0.1:${adminPort}${path}`);
      return { status: res.status, body: await res.text() };
    },
    stop: async () => {
      await proc.stop(5_000);
      rmSync(dir, { recursive: true, force: true });
    },
    kill: () => proc.killNow(),
    exitReason: () => proc.exitReason(),
  };
}

/** Waits until Consul lists `count` passing connect endpoints for `name` (sidecar TCP checks run every 10 s). */
export async function waitForEndpoints(consul: ConsulServer, name: string, count: number, timeoutMs = 30_000): Promise<void> {
  await eventually(
    async () => {
      const list = (await (await fetch(`${consul.httpAddr}/v1/health/connect/${name}?passing=1`)).json()) as unknown[];
      return list.length === count ? true : undefined;
    },
    timeoutMs,
    `${count} passing endpoints of ${name}`,
  );
}

/** Waits until a sidecar's /clusters shows `count` endpoints for `upstream`. */
export async function waitForClusterEndpoints(sidecar: SidecarProcess, upstream: string, count: number, timeoutMs = 30_000): Promise<void> {
  await eventually(
    async () => {
      const { body } = await sidecar.admin('/clusters');
      const clusters = JSON.parse(body) as { upstreams: Array<{ name: string; endpoints: unknown[] }> };
      return clusters.upstreams.find((u) => u.name === upstream)?.endpoints.length === count ? true : undefined;
    },
    timeoutMs,
    `${count} endpoints of ${upstream} in ${sidecar.serviceId}'s /clusters`,
  );
}
