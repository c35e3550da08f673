// Locates the server binaries that `make deps` (scripts/deps.sh) puts under .tools/.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export type Tool = 'consul' | 'nats-server' | 'pgbin';

/** The repository root (this file lives in scripts/servers/). */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

const TOOL_PATHS: Record<Tool, string> = {
  consul: '.tools/bin/consul',
  'nats-server': '.tools/bin/nats-server',
  pgbin: '.tools/pgbin', // a directory: initdb, pg_ctl, postgres, pg_basebackup
};

/** Path of a tool under .tools/; throws when `make deps` has not put it there. */
export function toolPath(tool: Tool): string {
  const path = join(REPO_ROOT, TOOL_PATHS[tool]);
  if (!existsSync(path)) {
    throw new Error(`${tool} not found at ${path}: run \`make deps\``);
  }
  return path;
}
