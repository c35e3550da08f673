// Starts one service instance: config → logger → database (migrations) → gRPC server → Consul.
//
// Start-up, in order:
//   1. configuration is loaded and validated (a bad value stops here, naming the property);
//   2. the pool opens and migrations run (safe when several instances start at once);
//   3. the gRPC server listens; health turns SERVING once the database answers;
//   4. the instance registers in Consul with its gRPC health check and sidecar.
// stop() runs it backwards: NOT_SERVING, deregister, drain calls, close the pool.
import type pg from 'pg';
import type { z } from 'zod';
import { backoffMs, systemClock, systemRandom, type Clock } from '../clock.js';
import { loadConfig, type BaseConfig } from '../config/index.js';
import { ConsulAgentClient, Registrar, buildRegistration } from '../consul/index.js';
import { createLogger, type Logger } from '../log.js';
import { GrpcServer, ServingStatus, type Interceptor, type ServiceBinding } from '../server/index.js';
import { createPool, migrate, ping } from '../sql/index.js';
import { ReadinessMonitor } from './readiness.js';

export interface ServiceDeps<C extends BaseConfig> {
  config: C;
  log: Logger;
  pool: pg.Pool;
  clock: Clock;
}

export interface ServiceSpec<C extends BaseConfig> {
  /** Service name; selects config/services/<name>.yaml. */
  name: string;
  configSchema: z.ZodType<C>;
  /** Folder of this service's SQL migrations. */
  migrationsDir: string;
  /** The gRPC services this instance serves, built from its dependencies. */
  services(deps: ServiceDeps<C>): ServiceBinding[];
  interceptors?(deps: ServiceDeps<C>): Interceptor[];
}

export interface StartOptions {
  env?: Record<string, string | undefined>;
  configDir?: string;
  clock?: Clock;
  /** Log destination (tests); stdout otherwise. */
  logDestination?: Parameters<typeof createLogger>[0]['destination'];
}

export interface RunningService<C extends BaseConfig> {
  readonly config: C;
  readonly log: Logger;
  readonly pool: pg.Pool;
  readonly server: GrpcServer;
  readonly registrar: Registrar;
  /** The port the gRPC server is bound to. */
  readonly port: number;
  /** Idempotent; resolves when everything is stopped. */
  stop(): Promise<void>;
}

export async function startService<C extends BaseConfig>(spec: ServiceSpec<C>, options: StartOptions = {}): Promise<RunningService<C>> {
  const config = loadConfig(spec.configSchema, {
    service: spec.name,
    ...(options.env ? { env: options.env } : {}),
    ...(options.configDir ? { dir: options.configDir } : {}),
  });
  const clock = options.clock ?? systemClock;
  const log = createLogger({
    level: config.log.level,
    service: config.service.name,
    instance: config.service.instance,
    ...(options.logDestination ? { destination: options.logDestination } : {}),
  });
  const pool = createPool(
    {
      url: config.database.url,
      poolMax: config.database.poolMax,
      connectTimeoutMs: config.database.connectTimeoutMs,
      idleTimeoutMs: config.database.idleTimeoutMs,
      statementTimeoutMs: config.database.statementTimeoutMs,
      applicationName: `${config.service.name}-${config.service.instance}`,
    },
    log,
  );
  try {
    await waitForDatabase(pool, config.database.startupWaitMs, clock, log);
    const { applied, dialect } = await migrate(pool, { dir: spec.migrationsDir, log, clock, leaseMs: config.database.migrationLeaseMs });
    log.info({ applied, dialect: dialect.kind, version: dialect.version }, 'database ready');

    const deps: ServiceDeps<C> = { config, log, pool, clock };
    const server = new GrpcServer({
      log,
      errorDomain: `${config.service.name}.shopmesh`,
      interceptors: spec.interceptors?.(deps) ?? [],
      maxMessageBytes: config.server.maxMessageBytes,
    });
    for (const binding of spec.services(deps)) server.add(binding);
    const port = await server.listen(config.server.host, config.server.port);

    const readiness = new ReadinessMonitor({
      check: (signal) => ping(pool, signal),
      onChange: (ready, err) => {
        server.health.setAll(ready ? ServingStatus.SERVING : ServingStatus.NOT_SERVING);
        if (ready) log.info('ready: serving');
        else log.warn({ err: (err as Error | undefined)?.message }, 'not ready: database unreachable');
      },
      intervalMs: config.consul.checkIntervalMs,
      clock,
    });
    await readiness.start();

    const registrar = new Registrar({
      client: new ConsulAgentClient({ address: config.consul.address, token: config.consul.token, requestTimeoutMs: config.consul.requestTimeoutMs }),
      registration: buildRegistration({
        name: config.service.name,
        instance: config.service.instance,
        version: config.service.version,
        region: config.service.region,
        zone: config.service.zone,
        tags: config.service.tags,
        weights: config.service.weights,
        address: config.server.advertiseAddress ?? config.server.host,
        port,
        sidecarPort: config.sidecar.port,
        upstreams: config.upstreams,
        checkIntervalMs: config.consul.checkIntervalMs,
        checkTimeoutMs: config.consul.checkTimeoutMs,
        deregisterCriticalAfterMs: config.consul.deregisterCriticalAfterMs,
      }),
      log,
      resyncIntervalMs: config.consul.resyncIntervalMs,
      clock,
    });
    registrar.start();
    log.info({ port, serviceId: registrar.serviceId }, 'started');

    let stopped: Promise<void> | undefined;
    const stop = () =>
      (stopped ??= (async () => {
        log.info({ serviceId: registrar.serviceId }, 'stopping');
        server.health.setAll(ServingStatus.NOT_SERVING);
        readiness.stop();
        // Leave discovery first so no new calls are routed here, then drain what is in flight.
        await registrar.stop();
        await server.shutdown(config.server.shutdownGraceMs);
        await pool.end();
        log.info('stopped');
        log.flush();
      })());
    return { config, log, pool, server, registrar, port, stop };
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err;
  }
}

/** Waits, with backoff, until the database answers: in a fresh environment it may start after us. */
async function waitForDatabase(pool: pg.Pool, waitMs: number, clock: Clock, log: Logger): Promise<void> {
  const until = clock.now() + waitMs;
  for (let attempt = 1; ; attempt++) {
    try {
      await ping(pool);
      return;
    } catch (err) {
      if (clock.now() >= until) throw new Error(`database did not answer within ${waitMs} ms: ${(err as Error).message}`, { cause: err });
      const wait = backoffMs(attempt, 100, 2_000, systemRandom);
      log.warn({ err: (err as Error).message, attempt, retryInMs: wait }, 'database not reachable yet');
      await clock.sleep(wait);
    }
  }
}
