// Starts catalog instances against the test's real servers: in-process, or as a real process.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startService, type RunningService } from '../../services/runtime/bootstrap/index.js';
import { catalogSpec } from '../../services/catalog/service.js';
import type { CatalogConfig } from '../../services/catalog/config.js';
import type { ConsulServer, PostgresServer } from '../../scripts/servers/index.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Environment that points a catalog instance at the test's servers, on free ports. */
export async function catalogEnv(servers: { consul: ConsulServer; postgres: PostgresServer }, database: string, instance: string): Promise<Record<string, string>> {
  return {
    DATABASE_URL: await servers.postgres.createDatabase(database),
    CONSUL_HTTP_ADDR: servers.consul.httpAddr,
    GRPC_PORT: '0',
    SIDECAR_PORT: '0',
    SERVICE_INSTANCE: instance,
    LOG_LEVEL: 'silent',
  };
}

/** A YAML overlay file (SHOPMESH_CONFIG_FILE) in a temp folder; returns its path and a cleanup. */
export function overlayFile(yaml: string): { path: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'shopmesh-unit-'));
  const path = join(dir, 'overlay.yaml');
  writeFileSync(path, yaml);
  return { path, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function startCatalog(env: Record<string, string>): Promise<RunningService<CatalogConfig>> {
  return startService(catalogSpec, { env });
}

export interface CatalogProcess {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** Runs `services/catalog/main.ts` as its own process, the way `make up` does. */
export function spawnCatalog(env: Record<string, string>): CatalogProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'services/catalog/main.ts'], {
    cwd: REPO_ROOT,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}
