// `mesh-proxy --sidecar-for <service-id>`: start the sidecar, stop it gracefully on SIGTERM/SIGINT.
import { systemClock, systemRandom } from './clock.js';
import { parseCli, UsageError, USAGE } from './cli.js';
import { consulOptionsFromEnv } from './discovery/index.js';
import { Sidecar } from './sidecar/sidecar.js';
import { createLogger } from './telemetry/index.js';

/** Exit codes: 0 stopped cleanly, 1 failed, 2 bad usage or configuration. */
const EXIT_USAGE = 2;

let options;
try {
  options = parseCli(process.argv.slice(2), process.env);
} catch (err) {
  if (!(err instanceof UsageError)) throw err;
  process.stderr.write(`${err.message ? `mesh-proxy: ${err.message}\n` : ''}${USAGE}\n`);
  process.exit(err.message ? EXIT_USAGE : 0);
}

const log = createLogger({ proxyId: `${options.sidecarFor}-sidecar-proxy`, service: options.sidecarFor, level: options.logLevel });
const starting = new AbortController();
let sidecar: Sidecar | undefined;
let signals = 0;

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (++signals > 1) process.exit(1);
    log.info({ signal }, 'signal received');
    if (!sidecar) {
      starting.abort(new Error(signal));
      process.exit(0);
    }
    sidecar.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}

try {
  sidecar = await Sidecar.start({
    serviceId: options.sidecarFor,
    consul: consulOptionsFromEnv(process.env),
    adminHost: options.adminHost,
    adminPort: options.adminPort,
    log,
    clock: systemClock,
    random: systemRandom,
    signal: starting.signal,
  });
} catch (err) {
  log.fatal({ err }, 'start-up failed');
  process.stderr.write(`mesh-proxy: ${(err as Error).message}\n`);
  process.exit((err as Error).name === 'ConfigError' || (err as Error).name === 'SidecarRegistrationError' ? EXIT_USAGE : 1);
}
