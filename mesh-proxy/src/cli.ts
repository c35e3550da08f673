// Command-line arguments of `mesh-proxy`, parsed strictly: a wrong flag stops start-up with usage.
import { parseArgs } from 'node:util';
import type { LevelWithSilent } from 'pino';

export const USAGE = `usage: mesh-proxy --sidecar-for <service-id> [--admin-port N] [--admin-host H] [--log-level L]

Runs the sidecar of the local service instance <service-id>: reads its connect-proxy
registration from the Consul agent at CONSUL_HTTP_ADDR (default http://127.0.0.1:8500;
CONSUL_HTTP_TOKEN is sent when set) and serves its inbound port and its upstreams.
  --admin-port N   admin HTTP port (/metrics, /ready, /clusters, /config); 0 = any free port (default 19000)
  --admin-host H   admin bind address (default 127.0.0.1)
  --log-level L    fatal, error, warn, info (default), debug, trace, silent`;

export const DEFAULT_ADMIN_PORT = 19000;

export interface CliOptions {
  sidecarFor: string;
  adminPort: number;
  adminHost: string;
  logLevel: LevelWithSilent;
}

export class UsageError extends Error {}

const LEVELS = new Set<string>(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

export function parseCli(argv: string[], env: Record<string, string | undefined>): CliOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        'sidecar-for': { type: 'string' },
        'admin-port': { type: 'string' },
        'admin-host': { type: 'string' },
        'log-level': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values['help']) throw new UsageError('');
  const sidecarFor = values['sidecar-for'];
  if (typeof sidecarFor !== 'string' || sidecarFor === '') throw new UsageError('--sidecar-for <service-id> is required');
  const portText = (values['admin-port'] as string | undefined) ?? String(DEFAULT_ADMIN_PORT);
  const adminPort = Number(portText);
  if (!/^\d+$/.test(portText) || adminPort > 65535) throw new UsageError(`--admin-port: expected 0-65535, got "${portText}"`);
  const logLevel = (values['log-level'] as string | undefined) ?? env['LOG_LEVEL'] ?? 'info';
  if (!LEVELS.has(logLevel)) throw new UsageError(`--log-level: expected one of ${[...LEVELS].join(', ')}, got "${logLevel}"`);
  return {
    sidecarFor,
    adminPort,
    adminHost: (values['admin-host'] as string | undefined) ?? '127.0.0.1',
    logLevel: logLevel as LevelWithSilent,
  };
}
