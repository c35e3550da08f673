// Starts a PostgreSQL server on loopback (pg_ctl, as the postgres OS user under root), for tests and `make up`.
import { existsSync, readFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { DEFAULT_START_TIMEOUT_MS, DEFAULT_STOP_TIMEOUT_MS, START_ATTEMPTS } from './defaults.js';
import { freePort } from './free-port.js';
import { withPortRetry } from './port-retry.js';
import { copyTemplate, discardTemplate, initdb } from './postgres-init.js';
import { pgTools, type PgTools } from './postgres-tools.js';
import { isProcessAlive } from './process-alive.js';
import { track } from './registry.js';
import { postgresRunAs, type RunAs } from './run-as.js';
import { runCommand } from './run-command.js';
import { serverDir, type ServerDir } from './server-dir.js';
import type { ServerHandle } from './server-handle.js';
import { isPortClash, startError } from './start-error.js';
import { waitUntil } from './wait-until.js';
import { startWatchdog, type Watchdog } from './watchdog.js';

export interface PostgresServer extends ServerHandle {
  /** "127.0.0.1" */
  readonly host: string;
  readonly port: number;
  /** The data folder (PGDATA) inside `dir`. */
  readonly dataPath: string;
  /** PostgreSQL major version, e.g. 15. */
  readonly majorVersion: number;
  /** postgres://postgres@127.0.0.1:PORT/DATABASE (trust auth: no password). */
  urlFor(database: string): string;
  /** Creates the database unless it exists; returns urlFor(name). */
  createDatabase(name: string): Promise<string>;
}

export interface PostgresOptions {
  /** Persistent folder (initdb'd on first use, kept by stop(), fsync on); default: a temp folder. */
  readonly dataDir?: string;
  /** Fixed port; default: a free port. */
  readonly port?: number;
  /** Temp instances copy a cached initdb'd template (default true); false runs initdb every time. */
  readonly useTemplate?: boolean;
  readonly startTimeoutMs?: number;
}

const HOST = '127.0.0.1';

// Throw-away instances trade durability for speed; a persistent (`make up`) instance keeps it.
const TEST_SETTINGS = ['fsync=off', 'synchronous_commit=off', 'full_page_writes=off'];
// Ready for a streaming replica to be added later (these are also the defaults since PostgreSQL 10).
const COMMON_SETTINGS = ['listen_addresses=127.0.0.1', 'max_connections=200', 'wal_level=replica', 'max_wal_senders=10'];

export async function startPostgres(opts: PostgresOptions = {}): Promise<PostgresServer> {
  const tools = await pgTools();
  const runAs = postgresRunAs();
  const attempts = opts.port === undefined ? START_ATTEMPTS : 1; // a fixed port that is taken stays taken
  try {
    return await withPortRetry(() => startPostgresOnce(tools, runAs, opts, opts.useTemplate ?? true), attempts);
  } catch (error) {
    // A copy of a damaged template (say, a temp cleaner ate some of it) fails to start: rebuild it once.
    if (opts.dataDir !== undefined || opts.useTemplate === false || isPortClash(error)) throw error;
    await discardTemplate(tools, runAs);
    return withPortRetry(() => startPostgresOnce(tools, runAs, opts, true), attempts);
  }
}

async function startPostgresOnce(
  tools: PgTools,
  runAs: RunAs,
  opts: PostgresOptions,
  useTemplate: boolean,
): Promise<PostgresServer> {
  const dir = await serverDir('postgres', opts.dataDir);
  const logFile = join(dir.path, 'postgres.log');
  const data = join(dir.path, 'data');
  const startTimeoutMs = opts.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
  let watchdog: Watchdog | undefined;
  try {
    await runAs.own(dir.path); // the server writes its log and socket here
    if (!existsSync(join(data, 'PG_VERSION'))) {
      if (dir.temporary && useTemplate) await copyTemplate(tools, runAs, data);
      else await initdb(tools, runAs, data, { sync: !dir.temporary });
    }
    // Never start a second postmaster on a dataDir (a second `make up`), nor stop the first one below.
    const running = runningPostmaster(data);
    if (running !== undefined) throw new Error(`a PostgreSQL server (pid ${running}) is already running on ${data}`);
    const port = opts.port ?? (await freePort());
    // pg_ctl daemonizes the postmaster, so the watchdog reads its pid from postmaster.pid when needed;
    // if we die while pg_ctl is still starting it (marker present), the watchdog waits for that file.
    const startingMarker = join(dir.path, 'postgres.starting');
    await writeFile(startingMarker, `${process.pid}\n`);
    watchdog = startWatchdog({
      target: { pidFile: join(data, 'postmaster.pid'), startingMarker },
      signal: 'INT', // fast shutdown
      processName: 'postgres',
      ...(dir.temporary ? { removeDir: dir.path } : {}),
    });
    const settings = [...COMMON_SETTINGS, ...(dir.temporary ? TEST_SETTINGS : [])];
    // pg_ctl hands -o to a shell: quote every value.
    const serverOptions = ['-p', String(port), '-k', shellQuote(dir.path), ...settings.flatMap((s) => ['-c', s])];
    const timeoutSec = Math.ceil(startTimeoutMs / 1000);
    const [command, args] = runAs.wrap(tools.bin('pg_ctl'), [
      '-D', data, '-l', logFile, '-o', serverOptions.join(' '), '-w', '-t', String(timeoutSec), 'start',
    ]);
    try {
      await runCommand(command, args, { cwd: dir.path, timeoutMs: startTimeoutMs + 5_000 });
    } catch (error) {
      // -w may have timed out with the server running: make sure it is gone before the folder goes.
      await stopPostmaster(tools, runAs, data, readPostmasterPid(data)).catch(() => {});
      throw error;
    } finally {
      await rm(startingMarker, { force: true });
    }
    const pid = readPostmasterPid(data);
    if (pid === undefined) throw new Error(`pg_ctl started the server but ${data}/postmaster.pid has no pid`);
    return postgresHandle({ tools, runAs, dir, data, logFile, port, pid, watchdog });
  } catch (error) {
    watchdog?.disarm();
    const failure = startError('postgres', logFile, error);
    await dir.remove();
    throw failure;
  }
}

interface Running {
  readonly tools: PgTools;
  readonly runAs: RunAs;
  readonly dir: ServerDir;
  readonly data: string;
  readonly logFile: string;
  readonly port: number;
  readonly pid: number;
  readonly watchdog: Watchdog;
}

function postgresHandle(r: Running): PostgresServer {
  const urlFor = (database: string): string =>
    `postgres://postgres@${HOST}:${r.port}/${encodeURIComponent(database)}`;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      r.watchdog.disarm();
      await stopPostmaster(r.tools, r.runAs, r.data, r.pid);
      await r.dir.remove();
      untrack();
    })();
    return stopping;
  };
  const untrack = track({
    stop,
    // SIGQUIT = immediate shutdown; the watchdog then waits for the exit and removes a temp folder.
    killNow: () => {
      if (isProcessAlive(r.pid)) process.kill(r.pid, 'SIGQUIT');
    },
  });
  return {
    name: 'postgres',
    logFile: r.logFile,
    dir: r.dir.path,
    dataPath: r.data,
    pid: r.pid,
    host: HOST,
    port: r.port,
    majorVersion: r.tools.major,
    urlFor,
    createDatabase: (name) => createDatabase(urlFor, name),
    stop,
  };
}

/** pg_ctl stop -m fast; SIGKILL if that fails; then waits until the postmaster is really gone. */
async function stopPostmaster(tools: PgTools, runAs: RunAs, data: string, pid: number | undefined): Promise<void> {
  if (pid === undefined || !isProcessAlive(pid)) return;
  const timeoutSec = Math.ceil(DEFAULT_STOP_TIMEOUT_MS / 1000);
  const [command, args] = runAs.wrap(tools.bin('pg_ctl'), ['-D', data, '-m', 'fast', '-w', '-t', String(timeoutSec), 'stop']);
  try {
    await runCommand(command, args, { timeoutMs: DEFAULT_STOP_TIMEOUT_MS + 5_000 });
  } catch {
    if (isProcessAlive(pid)) process.kill(pid, 'SIGKILL');
  }
  await waitUntil('the postmaster to exit', async () => !isProcessAlive(pid), { timeoutMs: DEFAULT_STOP_TIMEOUT_MS });
}

/** The pid of a live postmaster on `data` (a stale postmaster.pid, or a reused pid, gives undefined). */
function runningPostmaster(data: string): number | undefined {
  const pid = readPostmasterPid(data);
  if (pid === undefined || !isProcessAlive(pid)) return undefined;
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres' ? pid : undefined;
  } catch {
    return pid; // no /proc: assume it is
  }
}

function readPostmasterPid(data: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n', 1)[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

// SQLSTATEs of a concurrent CREATE DATABASE that lost the race: duplicate_database, unique_violation.
const ALREADY_EXISTS = new Set(['42P04', '23505']);

async function createDatabase(urlFor: (db: string) => string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: urlFor('postgres') });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) {
      try {
        await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
      } catch (error) {
        if (!ALREADY_EXISTS.has((error as { code?: string }).code ?? '')) throw error;
      }
    }
  } finally {
    await client.end();
  }
  return urlFor(name);
}

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}
