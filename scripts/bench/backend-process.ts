// Starts the echo backend the bench measures against as its own watched process and reads back its port.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, spawnManaged } from '../servers/index.js';
import type { BackendKind } from './bench-options.js';

const SCRIPTS: Record<BackendKind, string> = {
  h2: 'scripts/bench/h2-echo-server.ts',
  'grpc-js': 'scripts/bench/grpc-js-echo-server.ts',
};
const START_TIMEOUT_MS = 20_000;
const STOP_GRACE_MS = 3_000;

export interface BackendProcess {
  readonly kind: BackendKind;
  readonly pid: number;
  readonly port: number;
  stop(): Promise<void>;
}

export async function startBackend(kind: BackendKind, logFile: string): Promise<BackendProcess> {
  const proc = await spawnManaged({
    command: process.execPath,
    args: ['--import', 'tsx', join(REPO_ROOT, SCRIPTS[kind]), '0'],
    cwd: REPO_ROOT,
    logFile,
    processName: 'node',
  });
  const stop = () => proc.stop(STOP_GRACE_MS);
  const until = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    const log = readLog(logFile);
    const m = /^listening (\d+)$/m.exec(log);
    if (m) return { kind, pid: proc.pid, port: Number(m[1]), stop };
    const exited = proc.exitReason();
    if (exited !== undefined || Date.now() > until) {
      await stop();
      throw new Error(`the ${kind} echo backend ${exited ? `exited (${exited})` : `did not listen within ${START_TIMEOUT_MS} ms`}:\n${log}`);
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
