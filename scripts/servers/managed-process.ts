// A long-running server process we spawn ourselves: logged to a file, watched, and stopped for sure.
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { startWatchdog, type Watchdog } from './watchdog.js';

export interface ManagedProcessOptions {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  /** Default: our own environment. */
  readonly env?: NodeJS.ProcessEnv;
  /** stdout and stderr are appended here. */
  readonly logFile: string;
  /** The program's /proc/PID/comm, checked by the watchdog before it kills. */
  readonly processName: string;
  /** Folder the watchdog removes if we die without stopping the server (temp folders only). */
  readonly removeDirOnOrphan?: string;
}

export interface ManagedProcess {
  readonly pid: number;
  /** undefined while running, else how it ended ("exit code 1", "signal SIGKILL"). */
  exitReason(): string | undefined;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. Idempotent. */
  stop(graceMs: number): Promise<void>;
  /** SIGKILL now, synchronously (for the 'exit' handler). */
  killNow(): void;
}

/**
 * Spawns the server in its own session, with a watchdog that kills it if this process dies.
 * Not registered for stopAll(): the handle built on it (a server, a service instance) registers itself.
 */
export async function spawnManaged(opts: ManagedProcessOptions): Promise<ManagedProcess> {
  const logFd = openSync(opts.logFile, 'a');
  const child = spawn(opts.command, [...opts.args], {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    stdio: ['ignore', logFd, logFd],
    detached: true, // own session: a terminal's Ctrl-C reaches the caller, which decides what to stop
  });
  closeSync(logFd);

  let watchdog: Watchdog | undefined;
  let exitReason: string | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exitReason = signal !== null ? `signal ${signal}` : `exit code ${String(code)}`;
      watchdog?.disarm(); // the pid may be reused from now on
      resolve();
    });
  });
  try {
    await once(child, 'spawn'); // rejects with the 'error' event (ENOENT, EACCES)
  } catch (error) {
    throw new Error(`cannot run ${opts.command}: ${(error as Error).message}`, { cause: error });
  }
  const pid = child.pid as number;
  if (exitReason === undefined) {
    watchdog = startWatchdog({
      target: pid,
      signal: 'TERM',
      processName: opts.processName,
      ...(opts.removeDirOnOrphan !== undefined ? { removeDir: opts.removeDirOnOrphan } : {}),
    });
  }

  let stopping: Promise<void> | undefined;
  return {
    pid,
    exitReason: () => exitReason,
    stop(graceMs) {
      stopping ??= (async () => {
        watchdog?.disarm();
        if (exitReason !== undefined) return;
        child.kill('SIGTERM');
        const timedOut = await Promise.race([exited.then(() => false), sleep(graceMs, true, { ref: false })]);
        if (timedOut) child.kill('SIGKILL');
        await exited;
      })();
      return stopping;
    },
    killNow() {
      if (exitReason === undefined) child.kill('SIGKILL');
    },
  };
}
