// The database connection settings of a service: typed, defaulted and validated once at start-up.

export interface DatabaseConfig {
  /** postgres://user:pass@host:port/db?sslmode=...: CockroachDB speaks the same wire protocol. */
  url: string;
  /** Most connections the pool opens. */
  poolMax: number;
  /** How long to wait for a connection (new or from the pool) before failing. */
  connectTimeoutMs: number;
  /** How long an unused connection stays open. */
  idleTimeoutMs: number;
  /** Server-side statement_timeout for every statement; 0 disables it. */
  statementTimeoutMs: number;
  /** Shown in pg_stat_activity / CockroachDB's SHOW SESSIONS, so a session can be traced to its service. */
  applicationName: string;
}

export const DEFAULT_POOL_MAX = 10;
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
export const DEFAULT_IDLE_TIMEOUT_MS = 30_000;
export const DEFAULT_STATEMENT_TIMEOUT_MS = 10_000;
export const DEFAULT_APPLICATION_NAME = 'shopmesh';

/** Fills in defaults and checks every value; a bad one throws naming the property. */
export function resolveDatabaseConfig(input: Partial<DatabaseConfig> & { url: string }): DatabaseConfig {
  const config: DatabaseConfig = {
    url: input.url,
    poolMax: input.poolMax ?? DEFAULT_POOL_MAX,
    connectTimeoutMs: input.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    idleTimeoutMs: input.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
    statementTimeoutMs: input.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS,
    applicationName: input.applicationName ?? DEFAULT_APPLICATION_NAME,
  };
  let parsed: URL;
  try {
    parsed = new URL(config.url);
  } catch {
    throw invalid('url', 'is not a URL'); // The value itself may hold a password: not echoed.
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw invalid('url', `must use postgres:// or postgresql://, got ${parsed.protocol}//`);
  }
  if (!Number.isInteger(config.poolMax) || config.poolMax < 1) {
    throw invalid('poolMax', `must be an integer >= 1, got ${config.poolMax}`);
  }
  for (const key of ['connectTimeoutMs', 'idleTimeoutMs', 'statementTimeoutMs'] as const) {
    const value = config[key];
    if (!Number.isInteger(value) || value < 0) throw invalid(key, `must be an integer >= 0, got ${value}`);
  }
  // PostgreSQL truncates application_name to 63 bytes (NAMEDATALEN - 1) and drops non-ASCII.
  if (!/^[\x20-\x7e]{1,63}$/.test(config.applicationName)) {
    throw invalid('applicationName', 'must be 1-63 printable ASCII characters');
  }
  return config;
}

function invalid(property: keyof DatabaseConfig, what: string): Error {
  return new Error(`invalid database config: ${property} ${what}`);
}
