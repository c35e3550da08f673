// PostgreSQL's server programs (the .tools/pgbin folder) and their major version.
import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import { runCommand } from './run-command.js';
import { toolPath } from './tool-path.js';

export interface PgTools {
  /** The real bin folder (not the .tools/pgbin link, which the postgres OS user may not reach). */
  readonly bindir: string;
  /** e.g. 15 */
  readonly major: number;
  bin(program: 'initdb' | 'pg_ctl' | 'postgres' | 'pg_basebackup'): string;
}

let cached: Promise<PgTools> | undefined;

export function pgTools(): Promise<PgTools> {
  cached ??= loadPgTools().catch((error: unknown) => {
    cached = undefined; // let a later call retry, e.g. after `make deps`
    throw error;
  });
  return cached;
}

async function loadPgTools(): Promise<PgTools> {
  const bindir = realpathSync(toolPath('pgbin'));
  const bin = (program: string): string => join(bindir, program);
  const version = await runCommand(bin('postgres'), ['--version'], { timeoutMs: 10_000 }); // "postgres (PostgreSQL) 15.18 ..."
  const match = /\(PostgreSQL\)\s+(\d+)/.exec(version);
  if (match?.[1] === undefined) throw new Error(`cannot read the PostgreSQL version from "${version.trim()}"`);
  return { bindir, major: Number(match[1]), bin };
}
