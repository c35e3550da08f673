// Launchers for the real servers shopmesh runs against (Consul, NATS, PostgreSQL): used by `make up` and tests.
export { startConsul, type ConsulServer, type ConsulOptions } from './consul.js';
export { startNats, type NatsServer, type NatsOptions } from './nats.js';
export { startPostgres, type PostgresServer, type PostgresOptions } from './postgres.js';
export type { ServerHandle } from './server-handle.js';
export { stopAll } from './registry.js';
export { toolPath, REPO_ROOT, type Tool } from './tool-path.js';
export { spawnManaged, type ManagedProcess, type ManagedProcessOptions } from './managed-process.js';
export { logTail } from './start-error.js';
export { freePort } from './free-port.js';
export { isProcessAlive } from './process-alive.js';
export { TEMP_DIR_PREFIX } from './server-dir.js';
export {
  DEFAULT_START_TIMEOUT_MS,
  DEFAULT_STOP_TIMEOUT_MS,
  WATCHDOG_GRACE_MS,
  START_ATTEMPTS,
} from './defaults.js';
