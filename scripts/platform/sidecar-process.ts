// Runs `mesh-proxy --sidecar-for <service-id>` as a watched process and waits until it serves.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, spawnManaged, type ManagedProcess } from '../servers/index.js';

export const MESH_PROXY_BIN = join(REPO_ROOT, 'mesh-proxy/bin/mesh-proxy.js');
export const SIDECAR_STOP_GRACE_MS = 15_000;
const STARTED = /"adminPort":(\d+).*"msg":"sidecar started"/;

export interface SidecarProcess {
  readonly serviceId: string;
  readonly adminPort: number;
  readonly logFile: string;
  readonly process: ManagedProcess;
  /** SIGTERM (the sidecar drains), SIGKILL after the grace. */
  stop(): Promise<void>;
}

export interface StartSidecarOptions {
  serviceId: string;
  consulAddr: string;
  /** 0 = any free port (read back from its start-up log line). */
  adminPort: number;
  logFile: string;
  logLevel?: string;
  nodeArgs?: readonly string[];
  env?: Record<string, string>;
  readyTimeoutMs: number;
  /** A temp folder the watchdog removes if the caller dies without stopping the sidecar (tests). */
  removeDirOnOrphan?: string;
}

export async function startSidecarProcess(o: StartSidecarOptions): Promise<SidecarProcess> {
  const proc = await spawnManaged({
    command: process.execPath,
    args: [...(o.nodeArgs ?? []), MESH_PROXY_BIN, '--sidecar-for', o.serviceId, '--admin-port', String(o.adminPort), '--log-level', o.logLevel ?? 'info'],
    cwd: REPO_ROOT,
    env: { ...process.env, CONSUL_HTTP_ADDR: o.consulAddr, ...o.env },
    logFile: o.logFile,
    processName: 'node',
    ...(o.removeDirOnOrphan !== undefined ? { removeDirOnOrphan: o.removeDirOnOrphan } : {}),
  });
  const stop = () => proc.stop(SIDECAR_STOP_GRACE_MS);
  const until = Date.now() + o.readyTimeoutMs;
  for (;;) {
    const log = readLog(o.logFile);
    const m = STARTED.exec(log);
    if (m) return { serviceId: o.serviceId, adminPort: Number(m[1]), logFile: o.logFile, process: proc, stop };
    const exited = proc.exitReason();
    if (exited !== undefined || Date.now() > until) {
      await stop();
      throw new Error(`sidecar for ${o.serviceId} ${exited ? `exited (${exited})` : `did not start within ${o.readyTimeoutMs} ms`}:\n${log.trimEnd().split('\n').slice(-15).join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

function readLog(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** Waits until every check of `serviceId` in the local agent passes (a sidecar's TCP check runs every 10 s). */
export async function waitPassing(consulAddr: string, serviceId: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(`${consulAddr}/v1/agent/health/service/id/${encodeURIComponent(serviceId)}`);
      if (res.status === 200) return; // 200 = passing, 429 = warning, 503 = critical (agent API)
    } catch {
      // the agent is restarting; keep asking
    }
    if (Date.now() > until) throw new Error(`${serviceId} not passing in Consul after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
