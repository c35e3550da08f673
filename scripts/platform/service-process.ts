// Runs one service instance as its own process and waits until Consul reports it passing.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../servers/tool-path.js';
import { spawnManaged, type ManagedProcess } from '../servers/managed-process.js';

export const SERVICE_STOP_GRACE_MS = 15_000;

export interface ServiceInstance {
  readonly name: string;
  readonly instance: string;
  readonly serviceId: string;
  readonly logFile: string;
  readonly process: ManagedProcess;
  stop(): Promise<void>;
}

export interface StartInstanceOptions {
  name: string;
  instance: string;
  env: Record<string, string>;
  logDir: string;
  consulAddr: string;
  readyTimeoutMs: number;
}

export async function startInstance(o: StartInstanceOptions): Promise<ServiceInstance> {
  const serviceId = `${o.name}-${o.instance}`;
  const logFile = join(o.logDir, `${serviceId}.log`);
  const proc = await spawnManaged({
    command: process.execPath,
    args: ['--import', 'tsx', `services/${o.name}/main.ts`],
    cwd: REPO_ROOT,
    env: { ...process.env, ...o.env, SERVICE_INSTANCE: o.instance },
    logFile,
    processName: 'node',
  });
  const instance: ServiceInstance = { name: o.name, instance: o.instance, serviceId, logFile, process: proc, stop: () => proc.stop(SERVICE_STOP_GRACE_MS) };
  const until = Date.now() + o.readyTimeoutMs;
  for (;;) {
    const exited = proc.exitReason();
    if (exited !== undefined) throw new Error(`${serviceId} exited (${exited}) before it was ready:\n${tail(logFile)}`);
    if (await passing(o.consulAddr, o.name, serviceId)) return instance;
    if (Date.now() > until) {
      await instance.stop();
      throw new Error(`${serviceId} not passing in Consul after ${o.readyTimeoutMs} ms:\n${tail(logFile)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** True when the instance is registered and every one of its own checks passes. */
async function passing(consulAddr: string, name: string, serviceId: string): Promise<boolean> {
  try {
    const filter = encodeURIComponent(`ServiceID == "${serviceId}"`);
    const res = await fetch(`${consulAddr}/v1/health/checks/${name}?filter=${filter}`);
    if (!res.ok) return false;
    const checks = (await res.json()) as Array<{ Status: string }>;
    return checks.length > 0 && checks.every((c) => c.Status === 'passing');
  } catch {
    return false;
  }
}

export function tail(file: string, lines = 20): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
