// `make down`: stops a `make up` running in another terminal, the same way Ctrl-C would.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { REPO_ROOT } from './servers/tool-path.js';
import { loadPlatformConfig } from './platform/platform-config.js';

const STOP_TIMEOUT_MS = 60_000;

const pidFile = join(resolve(REPO_ROOT, loadPlatformConfig().dataDir), 'up.pid');
if (!existsSync(pidFile)) {
  process.stdout.write('shopmesh is not running (no .data/up.pid)\n');
  process.exit(0);
}
const pid = Number(readFileSync(pidFile, 'utf8'));
try {
  process.kill(pid, 'SIGTERM');
} catch {
  process.stdout.write(`shopmesh is not running (pid ${pid} is gone)\n`);
  process.exit(0);
}
process.stdout.write(`stopping shopmesh (pid ${pid})...\n`);
const until = Date.now() + STOP_TIMEOUT_MS;
const timer = setInterval(() => {
  let alive = true;
  try {
    process.kill(pid, 0);
  } catch {
    alive = false;
  }
  if (!alive) {
    clearInterval(timer);
    process.stdout.write('stopped\n');
  } else if (Date.now() > until) {
    clearInterval(timer);
    process.stderr.write(`pid ${pid} still running after ${STOP_TIMEOUT_MS / 1000} s\n`);
    process.exitCode = 1;
  }
}, 200);
