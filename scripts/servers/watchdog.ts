// A tiny `sh` process per server that kills the server (and removes its temp folder) if we die first.
//
// Why a watchdog and not PR_SET_PDEATHSIG (`setpriv --pdeathsig`)? The parent-death signal is cleared
// when credentials change (`runuser -u postgres`) and is useless for the postmaster, which pg_ctl
// daemonizes away from us. Why a pipe and not polling our pid? The watchdog blocks on `read` from a
// pipe whose only writer is this Node process; the kernel closes it when we exit for any reason,
// SIGKILL included, so the watchdog wakes at once instead of polling a pid that may be reused. Our end
// of the pipe is close-on-exec, so no other child inherits it and keeps it open. Before it kills, the
// watchdog checks the target's process name, so a server pid reused since then is left alone. On a
// normal stop() the watchdog is disarmed (killed) first. It is detached (own session), so a Ctrl-C in
// the terminal does not kill it before it has done its job.
import { spawn, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { WATCHDOG_GRACE_MS } from './defaults.js';

// $1 target: a pid, or @FILE whose first line is the pid (postmaster.pid)
// $2 polite signal, $3 grace in tenths of a second, $4 folder to remove ('' = keep),
// $5 expected process name (/proc/PID/comm), so a reused pid is never killed,
// $6 a file that exists while the server is starting: then the pid file may be about to appear.
// The first line is what `ps` shows, so a watchdog is easy to recognise.
const SCRIPT = `# shopmesh-watchdog: kills its server when the Node process that started it is gone
read _ignored || :
alive() {
  kill -0 "$1" 2>/dev/null || return 1
  state=$(sed -n 's/.*) \\(.\\).*/\\1/p' "/proc/$1/stat" 2>/dev/null)
  [ "$state" != Z ]
}
ours() { [ ! -r "/proc/$1/comm" ] || [ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ]; }
pid=
case $1 in
  @*)
    file=\${1#@}
    i=0
    while [ ! -s "$file" ] && [ -n "$6" ] && [ -e "$6" ] && [ $i -lt "$3" ]; do sleep 0.1; i=$((i + 1)); done
    pid=$(head -n 1 "$file" 2>/dev/null) ;;
  *) pid=$1 ;;
esac
if [ -n "$pid" ] && alive "$pid" && ours "$pid" "$5"; then
  kill -"$2" "$pid" 2>/dev/null
  i=0
  while alive "$pid" && [ $i -lt "$3" ]; do sleep 0.1; i=$((i + 1)); done
  alive "$pid" && kill -KILL "$pid" 2>/dev/null
fi
[ -z "$4" ] || rm -rf -- "$4"
`;

export interface WatchdogOptions {
  /**
   * The server's pid, or the file (postmaster.pid) its pid is read from; while `startingMarker` exists
   * the server is still starting, and the watchdog waits (up to the grace) for the pid file to appear.
   */
  readonly target: number | { readonly pidFile: string; readonly startingMarker: string };
  /** Polite signal first (SIGKILL follows after WATCHDOG_GRACE_MS). */
  readonly signal: 'TERM' | 'INT' | 'QUIT';
  /** The server's /proc/PID/comm ("consul", "nats-server", "postgres"). */
  readonly processName: string;
  /** A temp folder to delete once the server is gone. */
  readonly removeDir?: string;
}

export interface Watchdog {
  /** Stops the watchdog without it touching the server (on a normal stop, or when the server exited). */
  disarm(): void;
}

export function startWatchdog(opts: WatchdogOptions): Watchdog {
  const target = typeof opts.target === 'number' ? String(opts.target) : `@${opts.target.pidFile}`;
  const marker = typeof opts.target === 'number' ? '' : opts.target.startingMarker;
  const graceTenths = String(Math.ceil(WATCHDOG_GRACE_MS / 100));
  const child: ChildProcess = spawn(
    '/bin/sh',
    ['-c', SCRIPT, 'shopmesh-watchdog', target, opts.signal, graceTenths, opts.removeDir ?? '', opts.processName, marker],
    { stdio: ['pipe', 'ignore', 'ignore'], detached: true },
  );
  // Neither the watchdog nor its pipe may keep our event loop alive.
  child.unref();
  (child.stdin as Socket | null)?.unref();
  child.on('error', () => {}); // a missing /bin/sh leaves us without a watchdog, not with a crash
  let armed = true;
  return {
    disarm() {
      if (!armed) return;
      armed = false;
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      child.stdin?.destroy();
    },
  };
}
