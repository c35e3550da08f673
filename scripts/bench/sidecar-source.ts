// Which sidecar code the bench runs: the working tree, a git revision exported beside it, or a given entry file (a bundled build).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { REPO_ROOT } from '../servers/index.js';

export interface SidecarSource {
  /** The mesh-proxy bin to run. */
  bin: string;
  /** For the report: "working tree (2 files changed since c93765e)" or "c93765e". */
  description: string;
}

const BIN = 'mesh-proxy/bin/mesh-proxy.js';

function git(args: string[]): string {
  return execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** An entry file run as `node FILE --sidecar-for …` (e.g. an esbuild bundle of mesh-proxy/src/main.ts, to measure the sidecar without tsx). */
export function sidecarEntry(file: string): SidecarSource {
  const bin = resolve(file);
  if (!existsSync(bin)) throw new Error(`--sidecar-bin: ${file} does not exist`);
  return { bin, description: `${relative(REPO_ROOT, bin)} (given entry file)` };
}

/**
 * `rev` undefined: the working tree, described with its uncommitted changes under mesh-proxy/.
 * Else mesh-proxy/ as of `rev`, exported (git archive) under .data/bench/sidecar-<commit>/, inside
 * the repo so that its imports (tsx, pino, …) resolve to our node_modules.
 */
export function sidecarSource(rev: string | undefined): SidecarSource {
  if (rev === undefined) {
    let description = 'working tree';
    try {
      const changed = git(['status', '--porcelain', '--', 'mesh-proxy']).split('\n').filter(Boolean).length;
      description += changed > 0 ? ` (${changed} uncommitted change${changed === 1 ? '' : 's'} in mesh-proxy/ since ${git(['rev-parse', '--short', 'HEAD'])})` : ` (= ${git(['rev-parse', '--short', 'HEAD'])})`;
    } catch {
      // not a git checkout: nothing more to say
    }
    return { bin: join(REPO_ROOT, BIN), description };
  }
  let commit: string;
  try {
    commit = git(['rev-parse', '--short', '--verify', `${rev}^{commit}`]);
  } catch {
    throw new Error(`--sidecar-rev: "${rev}" is not a commit of this repository`);
  }
  const dir = join(REPO_ROOT, '.data', 'bench', `sidecar-${commit}`);
  if (!existsSync(join(dir, BIN))) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const tar = execFileSync('git', ['archive', '--format=tar', commit, 'mesh-proxy'], { cwd: REPO_ROOT, maxBuffer: 256 * 1024 * 1024 });
    execFileSync('tar', ['-x', '-C', dir], { input: tar });
  }
  return { bin: join(dir, BIN), description: `${commit} (git archive of mesh-proxy/)` };
}
