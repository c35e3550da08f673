// The SQL layer of the service runtime: pool, dialect detection, retried SERIALIZABLE transactions, migrations.
export {
  DEFAULT_APPLICATION_NAME,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_POOL_MAX,
  DEFAULT_STATEMENT_TIMEOUT_MS,
  resolveDatabaseConfig,
  type DatabaseConfig,
} from './database-config.js';
export { createPool, ping } from './pool.js';
export { detectDialect, parseVersion, type Dialect, type DialectKind } from './dialect.js';
export {
  DEFAULT_TRANSACTION_BASE_BACKOFF_MS,
  DEFAULT_TRANSACTION_MAX_ATTEMPTS,
  DEFAULT_TRANSACTION_MAX_BACKOFF_MS,
  TransactionRetryError,
  withTransaction,
  type TransactionOptions,
  type Tx,
} from './transaction.js';
export { describeSqlError, isRetryableSqlError, isUniqueViolation, SqlState, sqlState } from './sql-errors.js';
export {
  DEFAULT_LEASE_MS,
  DEFAULT_LEASE_POLL_MS,
  migrate,
  type MigrateOptions,
  type MigrateResult,
} from './migrate.js';
export { MigrationError } from './migration-files.js';
export { LeaseLostError } from './migration-lease.js';
