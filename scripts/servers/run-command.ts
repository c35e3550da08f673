// Runs a short-lived helper program (initdb, pg_ctl, cp) and fails with its output.
import { execFile } from 'node:child_process';

export interface RunOptions {
  readonly cwd?: string;
  readonly timeoutMs: number;
}

const MAX_OUTPUT_BYTES = 4 * 1024 * 1024;
const OUTPUT_TAIL_CHARS = 2_000;

/** Runs `command args`, resolving with its stdout; rejects with its exit status and output tail. */
export function runCommand(command: string, args: readonly string[], opts: RunOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { cwd: opts.cwd, timeout: opts.timeoutMs, killSignal: 'SIGKILL', maxBuffer: MAX_OUTPUT_BYTES },
      (error, stdout, stderr) => {
        if (error === null) {
          resolve(stdout);
          return;
        }
        const status = error.killed ? `killed after ${opts.timeoutMs} ms` : `exit code ${String(error.code)}`;
        const output = `${stdout}${stderr}`.trim().slice(-OUTPUT_TAIL_CHARS);
        reject(new Error(`${[command, ...args].join(' ')} failed (${status})${output ? `:\n${output}` : ''}`));
      },
    );
  });
}
