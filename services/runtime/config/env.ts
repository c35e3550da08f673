// Environment variables that override configuration files, each bound to one property.

export type EnvType = 'string' | 'int' | 'list';

export interface EnvBinding {
  env: string;
  /** Dotted path of the property it sets. */
  path: string;
  type: EnvType;
}

/** The documented overrides (README "Configuration"); names follow the tools' own (CONSUL_HTTP_ADDR). */
export const ENV_BINDINGS: readonly EnvBinding[] = [
  { env: 'SERVICE_INSTANCE', path: 'service.instance', type: 'string' },
  { env: 'SERVICE_VERSION', path: 'service.version', type: 'string' },
  { env: 'SERVICE_REGION', path: 'service.region', type: 'string' },
  { env: 'SERVICE_ZONE', path: 'service.zone', type: 'string' },
  { env: 'SERVICE_TAGS', path: 'service.tags', type: 'list' },
  { env: 'SERVICE_WEIGHT_PASSING', path: 'service.weights.passing', type: 'int' },
  { env: 'SERVICE_WEIGHT_WARNING', path: 'service.weights.warning', type: 'int' },
  { env: 'GRPC_HOST', path: 'server.host', type: 'string' },
  { env: 'GRPC_PORT', path: 'server.port', type: 'int' },
  { env: 'GRPC_ADVERTISE_ADDRESS', path: 'server.advertiseAddress', type: 'string' },
  { env: 'SHUTDOWN_GRACE_MS', path: 'server.shutdownGraceMs', type: 'int' },
  { env: 'SIDECAR_PORT', path: 'sidecar.port', type: 'int' },
  { env: 'CONSUL_HTTP_ADDR', path: 'consul.address', type: 'string' },
  { env: 'CONSUL_HTTP_TOKEN', path: 'consul.token', type: 'string' },
  { env: 'DATABASE_URL', path: 'database.url', type: 'string' },
  { env: 'DATABASE_POOL_MAX', path: 'database.poolMax', type: 'int' },
  { env: 'NATS_URL', path: 'nats.url', type: 'string' },
  { env: 'LOG_LEVEL', path: 'log.level', type: 'string' },
];

/** Parses an env value by its binding's type; undefined with a reason when it does not parse. */
export function parseEnvValue(binding: EnvBinding, raw: string): { value: unknown } | { error: string } {
  switch (binding.type) {
    case 'string':
      return { value: raw };
    case 'int': {
      const trimmed = raw.trim();
      if (!/^-?\d+$/.test(trimmed)) return { error: `expected an integer, got ${JSON.stringify(raw)}` };
      return { value: Number(trimmed) };
    }
    case 'list':
      return {
        value: raw
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s.length > 0),
      };
  }
}
