// The process entry for a service: start, stop on SIGTERM/SIGINT, exit codes an operator can read.
import { ConfigError, type BaseConfig } from '../config/index.js';
import { startService, type RunningService, type ServiceSpec } from './start-service.js';

/** Exit codes: 0 stopped cleanly, 1 failed, 2 bad configuration. */
export const EXIT_CONFIG = 2;

export function main<C extends BaseConfig>(spec: ServiceSpec<C>): void {
  let running: RunningService<C> | undefined;
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) {
      // A second Ctrl-C: stop waiting for the drain.
      process.exit(1);
    }
    signalled = true;
    if (!running) process.exit(0);
    running.log.info({ signal }, 'signal received');
    running.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        running?.log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  startService(spec).then(
    (service) => {
      running = service;
      if (signalled) void service.stop().then(() => process.exit(0));
    },
    (err: unknown) => {
      if (err instanceof ConfigError) {
        process.stderr.write(`${spec.name}: ${err.message}\n`);
        process.exit(EXIT_CONFIG);
      }
      process.stderr.write(`${spec.name}: start-up failed: ${(err as Error)?.stack ?? String(err)}\n`);
      process.exit(1);
    },
  );
}
