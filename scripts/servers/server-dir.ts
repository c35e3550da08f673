// A server's folder: a fresh temp folder (removed on stop) or the caller's persistent dataDir.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export interface ServerDir {
  readonly path: string;
  /** True for a temp folder, which stop() removes; a dataDir is kept. */
  readonly temporary: boolean;
  /** Removes a temp folder; keeps a dataDir. */
  remove(): Promise<void>;
}

/** Prefix of every temp folder, so leftovers are easy to find: `shopmesh-test-<server>-XXXXXX`. */
export const TEMP_DIR_PREFIX = 'shopmesh-test-';

export async function serverDir(server: string, dataDir: string | undefined): Promise<ServerDir> {
  if (dataDir !== undefined) {
    const path = resolve(dataDir);
    await mkdir(path, { recursive: true });
    return { path, temporary: false, remove: async () => {} };
  }
  const path = await mkdtemp(join(tmpdir(), `${TEMP_DIR_PREFIX}${server}-`));
  return { path, temporary: true, remove: () => rm(path, { recursive: true, force: true }) };
}
