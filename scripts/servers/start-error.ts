// Start failures that quote the end of the server's log, and the test for a lost port race.
import { readFileSync } from 'node:fs';
import { LOG_TAIL_LINES } from './defaults.js';

/** The last `lines` lines of a log file ("" when it cannot be read). */
export function logTail(logFile: string, lines = LOG_TAIL_LINES): string {
  try {
    const text = readFileSync(logFile, 'utf8').trimEnd();
    return text.split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** An Error naming the server and its log, with the log's last lines appended. */
export function startError(name: string, logFile: string, cause: unknown): Error {
  const reason = cause instanceof Error ? cause.message : String(cause);
  const tail = logTail(logFile);
  const quoted = tail === '' ? `(${logFile} is empty)` : `last lines of ${logFile}:\n${tail}`;
  return new Error(`${name} failed to start: ${reason}\n${quoted}`, { cause });
}

// What Consul, nats-server and PostgreSQL log when a port is already bound.
const PORT_CLASH = /address already in use|could not bind|bind: permission denied/i;

/** True when a start failed because one of its ports was taken: worth retrying with new ports. */
export function isPortClash(error: unknown): boolean {
  return error instanceof Error && PORT_CLASH.test(error.message);
}
