// CPU time and peak memory from /proc: what each process spends per request, its high-water RSS, and what the rest of the machine was doing.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** USER_HZ: the unit of the CPU times in /proc (100 on Linux, asked once). */
const TICKS_PER_SECOND = (() => {
  try {
    const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return n > 0 ? n : 100;
  } catch {
    return 100;
  }
})();
const ticksToMicros = (ticks: number) => (ticks * 1e6) / TICKS_PER_SECOND;

export interface CpuTimes {
  /** µs in user mode and in the kernel (syscalls, loopback TCP, page faults); resolution 1/USER_HZ s. */
  user: number;
  system: number;
}

/** Fields of /proc/<pid>/stat after the command name (which may hold spaces): index 0 is field 3, the state. */
function statFields(pid: number | 'self'): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** utime and stime of every thread of `pid` (GC helpers included). */
export function cpuTimes(pid: number): CpuTimes {
  const f = statFields(pid);
  return { user: ticksToMicros(Number(f[14 - 3])), system: ticksToMicros(Number(f[15 - 3])) };
}

/** CPU µs of this process's children that ended and were waited for (h2load runs), cutime + cstime. */
export function waitedChildrenMicros(): number {
  const f = statFields('self');
  return ticksToMicros(Number(f[16 - 3]) + Number(f[17 - 3]));
}

/** Busy and total CPU µs of the whole machine, all CPUs summed (first line of /proc/stat). */
export function machineCpu(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number) as number[];
  const busy = user! + nice! + system! + irq! + softirq! + steal!;
  return { busy: ticksToMicros(busy), total: ticksToMicros(busy + idle! + iowait!) };
}

/** read()/recv and write()/send system calls made by `pid` so far (/proc/<pid>/io syscr, syscw). */
export function ioCalls(pid: number): { reads: number; writes: number } {
  const io = readFileSync(`/proc/${pid}/io`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}: (\\d+)`, 'm').exec(io)?.[1] ?? Number.NaN);
  return { reads: field('syscr'), writes: field('syscw') };
}

/** A field of /proc/<pid>/status in bytes (VmHWM: peak resident set; VmRSS: now). */
export function statusBytes(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (m === null) throw new Error(`/proc/${pid}/status has no ${field}`);
  return Number(m[1]) * 1024;
}
