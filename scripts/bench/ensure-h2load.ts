// h2load (Debian's `nghttp2-client`) drives the load: found on PATH, else installed with apt-get when we run as root.
import { spawnSync } from 'node:child_process';

const PACKAGE = 'nghttp2-client';

/** The h2load version line ("h2load nghttp2/1.52.0"), or undefined when it cannot be run. */
function h2loadVersion(): string | undefined {
  const r = spawnSync('h2load', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim().split('\n')[0] : undefined;
}

function apt(args: string[]): boolean {
  const r = spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return r.status === 0;
}

/** Returns h2load's version; installs the package first when it is missing and we may. Throws with what to do otherwise. */
export function ensureH2load(say: (line: string) => void): string {
  const found = h2loadVersion();
  if (found !== undefined) return found;
  if (process.getuid?.() !== 0) {
    throw new Error(`h2load not found: install Debian's ${PACKAGE} (as root: apt-get install -y ${PACKAGE}), then run the bench again`);
  }
  say(`- h2load missing: apt-get install -y ${PACKAGE}`);
  // A machine whose package lists were never fetched knows no package: update once, then retry.
  if (!apt(['install', '-y', '-q', PACKAGE]) && !(apt(['update', '-q']) && apt(['install', '-y', '-q', PACKAGE]))) {
    throw new Error(`apt-get could not install ${PACKAGE}; install it by hand (it provides h2load)`);
  }
  const installed = h2loadVersion();
  if (installed === undefined) throw new Error(`${PACKAGE} is installed but h2load does not run`);
  return installed;
}
