// Runs echo_server.py (python3-grpcio, gRPC's C core) as a watched process: a backend in another gRPC stack.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { spawnManaged } from '../../../scripts/servers/index.js';

const SCRIPT = fileURLToPath(new URL('./echo_server.py', import.meta.url));
const START_TIMEOUT_MS = 15_000;
const id = (b: Buffer) => b;

/** What echo_server.py saw (its EchoStats/Get answer). */
export interface PythonEchoStats {
  calls: Record<string, number>;
  /** Calls cancelled before the handler answered (client cancel or deadline). */
  cancelled: number;
  /** Time left (ms) when the last call started; null without a deadline. */
  lastDeadlineMs: number | null;
  /** Response messages of ServerStream and Bidi handed to gRPC. */
  sent: number;
}

export interface PythonEcho {
  port: number;
  pid: number;
  /** Asks the server directly (not through a proxy) what it saw. */
  stats(): Promise<PythonEchoStats>;
  stop(): Promise<void>;
  kill(): void;
}

function askStats(client: Client): Promise<PythonEchoStats> {
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest('/shopmesh.test.EchoStats/Get', id, id, Buffer.alloc(0), new Metadata(), { deadline: Date.now() + 5000 }, (err: ServiceError | null, res?: Buffer) =>
      err ? reject(err) : resolve(JSON.parse(res!.toString('utf8')) as PythonEchoStats),
    );
  });
}

export async function startPythonEcho(port = 0): Promise<PythonEcho> {
  const dir = mkdtempSync(join(tmpdir(), 'shopmesh-test-pyecho-'));
  const logFile = join(dir, 'echo.log');
  const proc = await spawnManaged({ command: '/usr/bin/python3', args: [SCRIPT, String(port)], cwd: dir, logFile, processName: 'python3', removeDirOnOrphan: dir });
  const until = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    const m = /listening (\d+)/.exec(readFileSync(logFile, 'utf8'));
    if (m) {
      const bound = Number(m[1]);
      let statsClient: Client | undefined;
      return {
        port: bound,
        pid: proc.pid,
        stats: () => askStats((statsClient ??= new Client(`127.0.0.1:${bound}`, credentials.createInsecure()))),
        stop: async () => {
          statsClient?.close();
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
