// `make up`: Consul (with UI), NATS with JetStream, PostgreSQL, then every service instance;
// prints where everything is; Ctrl-C (or `make down`) stops all of it, newest first.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startConsul, startNats, startPostgres, type ServerHandle } from './servers/index.js';
import { REPO_ROOT } from './servers/tool-path.js';
import { loadPlatformConfig } from './platform/platform-config.js';
import { startInstance, type ServiceInstance } from './platform/service-process.js';
import { startSidecarProcess, waitPassing, type SidecarProcess } from './platform/sidecar-process.js';
import { ConfigError } from '../services/runtime/config/index.js';

const started: Array<{ label: string; stop: () => Promise<void> }> = [];
let stopping: Promise<void> | undefined;

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function stopEverything(): Promise<void> {
  stopping ??= (async () => {
    for (const s of [...started].reverse()) {
      say(`  stopping ${s.label}`);
      await s.stop().catch((err: unknown) => say(`  ${s.label}: ${(err as Error).message}`));
    }
  })();
  return stopping;
}

async function step<T>(label: string, run: () => Promise<T>, stop: (value: T) => () => Promise<void>): Promise<T> {
  say(`- starting ${label}`);
  const t0 = Date.now();
  const value = await run();
  started.push({ label, stop: stop(value) });
  say(`  ${label} ready (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  return value;
}

async function main(): Promise<void> {
  const config = loadPlatformConfig();
  const dataDir = resolve(REPO_ROOT, config.dataDir);
  const logDir = join(dataDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const pidFile = join(dataDir, 'up.pid');
  if (existsSync(pidFile)) {
    const pid = Number(readFileSync(pidFile, 'utf8'));
    if (pid > 0 && isAlive(pid)) throw new Error(`the platform is already running (pid ${pid}); stop it with \`make down\``);
  }
  writeFileSync(pidFile, String(process.pid));
  started.push({ label: 'pid file', stop: async () => rmSync(pidFile, { force: true }) });

  const stopServer = (s: ServerHandle) => () => s.stop();
  const [consul, nats, postgres] = await Promise.all([
    step('consul', () => startConsul({ dataDir: join(dataDir, 'consul'), httpPort: config.consul.httpPort, startTimeoutMs: config.readyTimeoutMs }), stopServer),
    step('nats (JetStream)', () => startNats({ dataDir: join(dataDir, 'nats'), port: config.nats.port, startTimeoutMs: config.readyTimeoutMs }), stopServer),
    step('postgresql', () => startPostgres({ dataDir: join(dataDir, 'postgres'), port: config.postgres.port, startTimeoutMs: config.readyTimeoutMs }), stopServer),
  ]);

  const instances: ServiceInstance[] = [];
  const sidecars: SidecarProcess[] = [];
  for (const service of config.services) {
    const databaseUrl = await postgres.createDatabase(`shopmesh_${service.name}`);
    for (const instance of service.instances) {
      instances.push(
        await step(
          `${service.name}-${instance}`,
          () =>
            startInstance({
              name: service.name,
              instance,
              env: { DATABASE_URL: databaseUrl, CONSUL_HTTP_ADDR: consul.httpAddr, NATS_URL: nats.url },
              logDir,
              consulAddr: consul.httpAddr,
              readyTimeoutMs: config.readyTimeoutMs,
            }),
          (i) => i.stop,
        ),
      );
      const serviceId = `${service.name}-${instance}`;
      sidecars.push(
        await step(
          `${serviceId} sidecar`,
          () =>
            startSidecarProcess({
              serviceId,
              consulAddr: consul.httpAddr,
              adminPort: config.sidecarAdminPortBase + sidecars.length,
              logFile: join(logDir, `${serviceId}-sidecar.log`),
              readyTimeoutMs: config.readyTimeoutMs,
            }),
          (p) => p.stop,
        ),
      );
    }
  }
  // Consul checks a sidecar's port every 10 s: wait until each is passing, so the UI shows it so.
  say('- waiting for Consul to see every sidecar passing');
  await Promise.all(sidecars.map((p) => waitPassing(consul.httpAddr, `${p.serviceId}-sidecar-proxy`, config.readyTimeoutMs)));

  say('');
  say('shopmesh is up:');
  say(`  Consul UI        ${consul.httpAddr}/ui`);
  say(`  NATS             ${nats.url}   (monitoring http://127.0.0.1:${nats.monitorPort}/jsz)`);
  say(`  PostgreSQL       ${postgres.urlFor('postgres')}   (databases shopmesh_<service>)`);
  for (const i of instances) {
    const sidecar = sidecars.find((p) => p.serviceId === i.serviceId)!;
    say(`  ${i.serviceId.padEnd(16)} grpc://${await registeredAddress(consul.httpAddr, i.serviceId)}   mesh (sidecar) grpc://${await registeredAddress(consul.httpAddr, `${i.serviceId}-sidecar-proxy`)}`);
    say(`  ${''.padEnd(16)} sidecar admin http://127.0.0.1:${sidecar.adminPort}/metrics  /clusters  /config  /ready`);
  }
  say(`  service logs     ${logDir}/<service>-<instance>.log and <service>-<instance>-sidecar.log`);
  say(`  server logs      ${[consul, nats, postgres].map((s) => s.logFile).join(', ')}`);
  say('Ctrl-C (or `make down` in another terminal) stops everything.');

  // A service that dies while the platform runs is reported, not silently missing.
  const reported = new Set<ServiceInstance | SidecarProcess>();
  const watcher = setInterval(() => {
    for (const i of instances) {
      const reason = i.process.exitReason();
      if (reason !== undefined && !stopping && !reported.has(i)) {
        reported.add(i);
        say(`! ${i.serviceId} exited (${reason}); see ${i.logFile}`);
      }
    }
    for (const p of sidecars) {
      const reason = p.process.exitReason();
      if (reason !== undefined && !stopping && !reported.has(p)) {
        reported.add(p);
        say(`! ${p.serviceId} sidecar exited (${reason}); see ${p.logFile}`);
      }
    }
  }, 1000);
  started.push({ label: 'watcher', stop: async () => clearInterval(watcher) });
}

/** address:port as registered in Consul (what the sidecar forwards to). */
async function registeredAddress(consulAddr: string, serviceId: string): Promise<string> {
  const res = await fetch(`${consulAddr}/v1/agent/service/${serviceId}`);
  const svc = (await res.json()) as { Address: string; Port: number };
  return `${svc.Address}:${svc.Port}`;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

let signals = 0;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (++signals > 1) {
      say('stopping already; a third signal kills everything at once');
      if (signals > 2) process.exit(1);
      return;
    }
    say(`\n${signal}: stopping`);
    void stopEverything().then(() => {
      say('stopped');
      process.exit(0);
    });
  });
}

main().catch(async (err: unknown) => {
  process.stderr.write(`make up failed: ${err instanceof ConfigError ? err.message : ((err as Error)?.message ?? String(err))}\n`);
  await stopEverything();
  process.exit(1);
});
