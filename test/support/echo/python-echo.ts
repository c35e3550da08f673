// Runs echo_server.py (python3-grpcio, gRPC's C core) as a watched process: a backend in another gRPC stack.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnManaged } from '../../../scripts/servers/index.js';

const SCRIPT = fileURLToPath(new URL('./echo_server.py', import.meta.url));
const START_TIMEOUT_MS = 15_000;

export async function startPythonEcho(port = 0): Promise<{ port: number; pid: number; stop(): Promise<void>; kill(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'shopmesh-test-pyecho-'));
  const logFile = join(dir, 'echo.log');
  const proc = await spawnManaged({ command: '/usr/bin/python3', args: [SCRIPT, String(port)], cwd: dir, logFile, processName: 'python3', removeDirOnOrphan: dir });
  const until = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    const m = /listening (\d+)/.exec(readFileSync(logFile, 'utf8'));
    if (m) {
      return {
        port: Number(m[1]),
        pid: proc.pid,
        stop: async () => {
          await proc.stop(3000);
          rmSync(dir, { recursive: true, force: true });
        },
        kill: () => proc.killNow(),
      };
    }
    const exited = proc.exitReason();
    if (exited !== undefined || Date.now() > until) {
      await proc.stop(1000);
      const log = readFileSync(logFile, 'utf8');
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`python echo server did not start (${exited ?? 'timeout'}):\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
