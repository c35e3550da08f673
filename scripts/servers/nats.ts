// Starts nats-server with JetStream on loopback, for tests and `make up`.
import { join } from 'node:path';
import { DEFAULT_START_TIMEOUT_MS } from './defaults.js';
import { freePort } from './free-port.js';
import { startForeground } from './foreground-server.js';
import { withPortRetry } from './port-retry.js';
import { serverDir } from './server-dir.js';
import type { ServerHandle } from './server-handle.js';
import { toolPath } from './tool-path.js';
import { getJson } from './wait-until.js';

export interface NatsServer extends ServerHandle {
  /** "nats://127.0.0.1:PORT" */
  readonly url: string;
  readonly port: number;
  /** HTTP monitoring port (/healthz, /varz, /jsz). */
  readonly monitorPort: number;
}

export interface NatsOptions {
  /** Persistent folder for JetStream's store (kept by stop()); default: a temp folder removed by stop(). */
  readonly dataDir?: string;
  /** Fixed client port; default: a free port. */
  readonly port?: number;
  readonly startTimeoutMs?: number;
}

export function startNats(opts: NatsOptions = {}): Promise<NatsServer> {
  return withPortRetry(() => startNatsOnce(opts));
}

async function startNatsOnce(opts: NatsOptions): Promise<NatsServer> {
  const command = toolPath('nats-server');
  const [port, monitorPort] = await Promise.all([opts.port ?? freePort(), freePort()]);
  const dir = await serverDir('nats', opts.dataDir);
  const monitor = `http://127.0.0.1:${monitorPort}`;
  const server = await startForeground({
    name: 'nats',
    command,
    // -sd DIR: JetStream keeps its files in DIR/jetstream.
    args: ['-a', '127.0.0.1', '-p', String(port), '-m', String(monitorPort), '-js', '-sd', dir.path],
    processName: 'nats-server',
    dir,
    logFile: join(dir.path, 'nats.log'),
    readiness: 'nats-server health and JetStream',
    ready: () => natsReady(monitor),
    startTimeoutMs: opts.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS,
  });
  return { ...server, url: `nats://127.0.0.1:${port}`, port, monitorPort };
}

/** /healthz answers once clients are accepted; /jsz has a config only when JetStream is enabled. */
async function natsReady(monitor: string): Promise<boolean> {
  const health = (await getJson(`${monitor}/healthz`)) as { status?: string } | undefined;
  if (health?.status !== 'ok') return false;
  const jsz = (await getJson(`${monitor}/jsz`)) as { config?: unknown } | undefined;
  return jsz?.config !== undefined;
}
