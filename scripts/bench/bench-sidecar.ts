// Runs one sidecar for the bench as a watched process: `node [flags] <mesh-proxy bin> --sidecar-for <id>`, ready once it logs "sidecar started".
import { readFileSync } from 'node:fs';
import { REPO_ROOT, spawnManaged, type ManagedProcess } from '../servers/index.js';

const STARTED = /"adminPort":(\d+).*"msg":"sidecar started"/;
const READY_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 15_000;

export interface BenchSidecar {
  readonly serviceId: string;
  readonly adminPort: number;
  readonly process: ManagedProcess;
  /** SIGTERM (the sidecar drains and exits, writing its --cpu-prof profile), SIGKILL after a grace. */
  stop(): Promise<void>;
}

export async function startBenchSidecar(o: { bin: string; serviceId: string; consulAddr: string; nodeArgs: readonly string[]; logFile: string }): Promise<BenchSidecar> {
  const proc = await spawnManaged({
    command: process.execPath,
    args: [...o.nodeArgs, o.bin, '--sidecar-for', o.serviceId, '--admin-port', '0', '--log-level', 'info'],
    cwd: REPO_ROOT,
    env: { ...process.env, CONSUL_HTTP_ADDR: o.consulAddr },
    logFile: o.logFile,
    processName: 'node',
  });
  const stop = () => proc.stop(STOP_GRACE_MS);
  const until = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const log = readLog(o.logFile);
    const m = STARTED.exec(log);
    if (m) return { serviceId: o.serviceId, adminPort: Number(m[1]), process: proc, stop };
    const exited = proc.exitReason();
    if (exited !== undefined || Date.now() > until) {
      await stop();
      throw new Error(`sidecar for ${o.serviceId} ${exited ? `exited (${exited})` : `did not start within ${READY_TIMEOUT_MS} ms`}:\n${log.trimEnd().split('\n').slice(-15).join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

function readLog(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
