// Runs a server that stays our child (Consul, nats-server) until a readiness probe passes, and stops it.
import { DEFAULT_STOP_TIMEOUT_MS } from './defaults.js';
import { spawnManaged, type ManagedProcess } from './managed-process.js';
import { track } from './registry.js';
import type { ServerDir } from './server-dir.js';
import type { ServerHandle } from './server-handle.js';
import { startError } from './start-error.js';
import { waitUntil } from './wait-until.js';

export interface ForegroundSpec {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  /** /proc/PID/comm of the program, checked by the watchdog before it kills. */
  readonly processName: string;
  readonly dir: ServerDir;
  readonly logFile: string;
  /** What `ready` waits for, for the time-out message. */
  readonly readiness: string;
  readonly ready: () => Promise<boolean>;
  readonly startTimeoutMs: number;
}

/**
 * Spawns the server and waits until it is ready. On failure the process is stopped, the temp folder
 * removed, and the error quotes the log. On success the server is tracked for stopAll().
 */
export async function startForeground(spec: ForegroundSpec): Promise<ServerHandle> {
  let proc: ManagedProcess | undefined;
  try {
    proc = await spawnManaged({
      command: spec.command,
      args: spec.args,
      cwd: spec.dir.path,
      logFile: spec.logFile,
      processName: spec.processName,
      ...(spec.dir.temporary ? { removeDirOnOrphan: spec.dir.path } : {}),
    });
    const running = proc;
    await waitUntil(spec.readiness, spec.ready, {
      timeoutMs: spec.startTimeoutMs,
      gaveUp: () => {
        const reason = running.exitReason();
        return reason === undefined ? undefined : `${spec.processName} exited (${reason})`;
      },
    });
  } catch (error) {
    await proc?.stop(DEFAULT_STOP_TIMEOUT_MS);
    const failure = startError(spec.name, spec.logFile, error);
    await spec.dir.remove();
    throw failure;
  }

  const running = proc;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      await running.stop(DEFAULT_STOP_TIMEOUT_MS);
      await spec.dir.remove();
      untrack();
    })();
    return stopping;
  };
  const untrack = track({ stop, killNow: () => running.killNow() });
  return { name: spec.name, logFile: spec.logFile, dir: spec.dir.path, pid: running.pid, stop };
}
