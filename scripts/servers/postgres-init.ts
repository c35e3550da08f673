// Creates PostgreSQL data folders: initdb, or a copy of a cached initdb'd template (much cheaper).
import { existsSync } from 'node:fs';
import { appendFile, mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PgTools } from './postgres-tools.js';
import type { RunAs } from './run-as.js';
import { runCommand } from './run-command.js';

const INITDB_TIMEOUT_MS = 120_000;
const COPY_TIMEOUT_MS = 60_000;

// Every instance is ready for a streaming replica to be added later (pg_basebackup -R from 127.0.0.1).
// initdb --auth=trust already writes these lines since PostgreSQL 10; we make sure rather than assume.
const REPLICATION_HBA = 'host    replication     all             127.0.0.1/32            trust';

/** initdb into `data` (which must not exist or be empty): superuser `postgres`, trust auth, UTF8, C locale. */
export async function initdb(tools: PgTools, runAs: RunAs, data: string, opts: { sync: boolean }): Promise<void> {
  const args = ['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--no-locale', '--no-instructions'];
  if (!opts.sync) args.push('--no-sync'); // throw-away instances: skip fsyncing ~1,000 files
  const [command, wrapped] = runAs.wrap(tools.bin('initdb'), args);
  await runCommand(command, wrapped, { timeoutMs: INITDB_TIMEOUT_MS });
  await ensureReplicationHba(data);
}

async function ensureReplicationHba(data: string): Promise<void> {
  const hba = join(data, 'pg_hba.conf');
  const lines = (await readFile(hba, 'utf8')).split('\n');
  const present = lines.some((line) => /^host\s+replication\s+all\s+127\.0\.0\.1\/32\s+trust\b/.test(line.trim()));
  if (!present) await appendFile(hba, `${REPLICATION_HBA}\n`);
}

/** Where the template for this PostgreSQL major and OS user lives: under the temp dir, shared by processes. */
export function templatePath(tools: PgTools, runAs: RunAs): string {
  return join(tmpdir(), `shopmesh-pg-template-${tools.major}-${runAs.user}`);
}

const building = new Map<string, Promise<string>>();

/**
 * The template's data folder, built on first use. Built in a temp folder and renamed into place, so a
 * half-built template is never seen; when two processes race, the loser's rename fails and it uses
 * the winner's.
 */
export function templateData(tools: PgTools, runAs: RunAs): Promise<string> {
  const path = templatePath(tools, runAs);
  let pending = building.get(path);
  if (pending === undefined) {
    pending = buildTemplate(tools, runAs, path).finally(() => building.delete(path));
    building.set(path, pending);
  }
  return pending;
}

function templateComplete(path: string): boolean {
  return existsSync(join(path, 'data', 'PG_VERSION')) && existsSync(join(path, 'data', 'global', 'pg_control'));
}

async function buildTemplate(tools: PgTools, runAs: RunAs, path: string): Promise<string> {
  if (templateComplete(path)) return join(path, 'data');
  const scratch = await mkdtemp(`${path}.building-`);
  try {
    await runAs.own(scratch);
    await initdb(tools, runAs, join(scratch, 'data'), { sync: false });
    try {
      await rename(scratch, path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if ((code !== 'ENOTEMPTY' && code !== 'EEXIST') || !templateComplete(path)) throw error;
    }
    return join(path, 'data');
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Throws the template away (after a start from a copy of it failed: it may have been damaged). */
export async function discardTemplate(tools: PgTools, runAs: RunAs): Promise<void> {
  const path = templatePath(tools, runAs);
  const trash = `${path}.discarded-${process.pid}-${Date.now()}`;
  try {
    await rename(path, trash); // atomic: other processes now build a new one
  } catch {
    return;
  }
  await rm(trash, { recursive: true, force: true });
}

/** A new data folder at `data` from the template (cp -a keeps the postgres owner and 0700 modes). */
export async function copyTemplate(tools: PgTools, runAs: RunAs, data: string): Promise<void> {
  const template = await templateData(tools, runAs);
  await runCommand('cp', ['-a', template, data], { timeoutMs: COPY_TIMEOUT_MS });
}
