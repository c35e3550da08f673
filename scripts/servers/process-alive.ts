// Whether a pid still names a running process (a zombie counts as gone).
import { readFileSync } from 'node:fs';

/**
 * kill(pid, 0) alone is not enough: a daemon (the postmaster started by pg_ctl) is reparented to
 * pid 1, and where pid 1 reaps lazily (as on our CI machines) the exited process lingers as a zombie.
 */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    // /proc/PID/stat is "pid (comm) STATE ..."; comm may hold spaces, so take what follows the last ")".
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return process.platform !== 'linux'; // no /proc: trust kill(0)
  }
}
