// Runs PostgreSQL's programs as the `postgres` OS user when we are root (PostgreSQL refuses root).
import { execFileSync } from 'node:child_process';
import { chown } from 'node:fs/promises';

export interface RunAs {
  /** The OS user the server runs as ("postgres" under root, else ourselves). */
  readonly user: string;
  /** [command, args] that run `command args` as that user. */
  wrap(command: string, args: readonly string[]): [string, string[]];
  /** Makes a folder we created belong to that user (a no-op unless we are root). */
  own(path: string): Promise<void>;
}

let cached: RunAs | undefined;

export function postgresRunAs(): RunAs {
  cached ??= process.getuid?.() === 0 ? asPostgresUser() : asOurselves();
  return cached;
}

function asOurselves(): RunAs {
  let user: string;
  try {
    user = execFileSync('id', ['-un'], { encoding: 'utf8' }).trim();
  } catch {
    user = String(process.getuid?.() ?? 'me');
  }
  return { user, wrap: (command, args) => [command, [...args]], own: async () => {} };
}

function asPostgresUser(): RunAs {
  let uid: number;
  let gid: number;
  try {
    uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  } catch {
    throw new Error('running as root, PostgreSQL needs the OS user `postgres`: run `make deps`');
  }
  return {
    user: 'postgres',
    // runuser keeps our environment and needs no password or PAM session (unlike su).
    wrap: (command, args) => ['runuser', ['-u', 'postgres', '--', command, ...args]],
    own: (path) => chown(path, uid, gid),
  };
}
