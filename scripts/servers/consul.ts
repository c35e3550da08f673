// Starts a single-node Consul agent in dev mode (UI and Connect CA on), for tests and `make up`.
import { join } from 'node:path';
import { DEFAULT_START_TIMEOUT_MS } from './defaults.js';
import { freePort } from './free-port.js';
import { startForeground } from './foreground-server.js';
import { withPortRetry } from './port-retry.js';
import { serverDir } from './server-dir.js';
import type { ServerHandle } from './server-handle.js';
import { toolPath } from './tool-path.js';
import { getJson } from './wait-until.js';

export interface ConsulServer extends ServerHandle {
  /** "http://127.0.0.1:PORT" */
  readonly httpAddr: string;
  readonly httpPort: number;
  readonly grpcPort: number;
  readonly dnsPort: number;
}

export interface ConsulOptions {
  /** Persistent folder (kept by stop()); default: a temp folder removed by stop(). */
  readonly dataDir?: string;
  /** Fixed HTTP port; default: a free port. Every other port is always a free port. */
  readonly httpPort?: number;
  readonly startTimeoutMs?: number;
}

let nodeSeq = 0;

export function startConsul(opts: ConsulOptions = {}): Promise<ConsulServer> {
  return withPortRetry(() => startConsulOnce(opts));
}

async function startConsulOnce(opts: ConsulOptions): Promise<ConsulServer> {
  const command = toolPath('consul');
  const [httpPort, dnsPort, grpcPort, serfLanPort, serfWanPort, serverPort] = await Promise.all([
    opts.httpPort ?? freePort(),
    freePort(),
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  const dir = await serverDir('consul', opts.dataDir);
  const httpAddr = `http://127.0.0.1:${httpPort}`;
  const server = await startForeground({
    name: 'consul',
    command,
    // Dev mode keeps its state in memory; -data-dir then only holds the node id (1.8 accepts it with -dev).
    args: [
      'agent', '-dev', '-ui',
      '-client', '127.0.0.1', '-bind', '127.0.0.1',
      '-node', dir.temporary ? `shopmesh-test-${process.pid}-${++nodeSeq}` : 'shopmesh-dev',
      '-data-dir', join(dir.path, 'data'),
      '-http-port', String(httpPort),
      '-dns-port', String(dnsPort),
      '-grpc-port', String(grpcPort),
      '-serf-lan-port', String(serfLanPort),
      '-serf-wan-port', String(serfWanPort),
      '-server-port', String(serverPort),
      '-hcl', 'disable_update_check = true', // no phoning home: only package registries are reachable here
    ],
    processName: 'consul',
    dir,
    logFile: join(dir.path, 'consul.log'),
    readiness: 'a Consul leader and Connect CA roots',
    ready: () => consulReady(httpAddr),
    startTimeoutMs: opts.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS,
  });
  return { ...server, httpAddr, httpPort, grpcPort, dnsPort };
}

/** Ready once the single server has elected itself leader and the built-in CA has its root. */
async function consulReady(httpAddr: string): Promise<boolean> {
  const leader = await getJson(`${httpAddr}/v1/status/leader`);
  if (typeof leader !== 'string' || leader === '') return false;
  const roots = (await getJson(`${httpAddr}/v1/agent/connect/ca/roots`)) as { Roots?: unknown[] } | undefined;
  return (roots?.Roots?.length ?? 0) > 0;
}
