// The sidecar, wired: its registration → config → inbound listener, one outbound listener and
// cluster per upstream fed by discovery, and the admin port.
//
//  1. findSidecar: the connect-proxy registration for --sidecar-for <id> (waits for it to appear)
//  2. parseProxyConfig: one validated, frozen snapshot (upstream policies from Proxy.Upstreams[].Config)
//  3. inbound: listen on the registration's Port, forward every stream to the local app
//  4. outbound: per upstream, an EndpointWatcher keeps a Cluster's endpoints current, and a
//     loopback listener on LocalBindPort routes each call through the OutboundRouter
//  5. admin: /metrics, /ready (listening + every upstream discovered once), /clusters, /config
import type { Logger } from 'pino';
import { startAdminServer, type AdminServer } from '../admin/index.js';
import type { Clock, Random } from '../clock.js';
import { parseProxyConfig, type ProxyConfig } from '../config/index.js';
import { ConsulClient, EndpointWatcher, findSidecar, type ConsulClientOptions } from '../discovery/index.js';
import { InboundForwarder } from '../inbound/forwarder.js';
import { Cluster } from '../outbound/cluster.js';
import { OutboundRouter } from '../outbound/router.js';
import { tcpDialer } from '../pool/dialer.js';
import { EndpointPool } from '../pool/endpoint-pool.js';
import { Listener } from '../relay/listener.js';
import { ProxyMetrics } from '../telemetry/index.js';
import { CallTelemetry } from './call-telemetry.js';

export interface SidecarOptions {
  serviceId: string;
  consul: ConsulClientOptions;
  adminHost: string;
  adminPort: number;
  log: Logger;
  clock: Clock;
  random: Random;
  signal?: AbortSignal;
}

interface Upstream {
  cluster: Cluster;
  watcher: EndpointWatcher;
  listener: Listener;
}

export class Sidecar {
  private constructor(
    readonly config: ProxyConfig,
    readonly admin: AdminServer,
    readonly inbound: Listener,
    private readonly localPool: EndpointPool,
    private readonly upstreams: Upstream[],
    private readonly log: Logger,
  ) {}

  static async start(o: SidecarOptions): Promise<Sidecar> {
    const { log, clock, random } = o;
    const consul = new ConsulClient(o.consul);
    const registration = await findSidecar(consul, o.serviceId, {
      clock,
      random,
      ...(o.signal ? { signal: o.signal } : {}),
      onWait: (wait) => log.info({ wait: wait.kind }, `waiting for the sidecar registration of ${o.serviceId}`),
    });
    const config = parseProxyConfig(registration, { adminPort: o.adminPort });
    const metrics = new ProxyMetrics({ defaultLabels: { proxy: config.proxyId } });

    const localPool = new EndpointPool('local', config.inbound.localServiceAddress, config.inbound.localServicePort, {
      dialer: tcpDialer,
      connectTimeoutMs: config.inbound.localConnectTimeoutMs,
      onConnections: connectionCounter(metrics, 'inbound', 'upstream'),
    });
    const inbound = new Listener({
      host: config.inbound.bindAddress,
      port: config.inbound.bindPort,
      factory: new InboundForwarder({
        pool: localPool,
        service: config.service.name,
        clock,
        observer: new CallTelemetry('inbound', metrics.requests('inbound', config.service.name)),
      }),
      onConnections: connectionCounter(metrics, 'inbound', 'downstream'),
    });

    const upstreams: Upstream[] = config.upstreams.map((u) => {
      const um = metrics.upstream(u.name);
      const cluster = new Cluster({
        name: u.name,
        config: u,
        clock,
        random,
        pool: { dialer: tcpDialer, onConnections: connectionCounter(metrics, 'outbound', 'upstream') },
        onEject: () => um.ejected(),
      });
      const watcher = new EndpointWatcher({
        client: consul,
        upstream: u.name,
        ...(u.datacenter ? { datacenter: u.datacenter } : {}),
        clock,
        random,
        onUpdate: (endpoints) => {
          cluster.update(endpoints);
          um.endpoints('healthy', endpoints.length);
          log.info({ upstream: u.name, endpoints: endpoints.map((e) => `${e.address}:${e.port}`) }, 'endpoints updated');
        },
        onError: (err) => log.warn({ upstream: u.name, err: err.message }, 'discovery failed; serving the last known endpoints'),
        // Both ways: set on errors only, the gauge and /clusters stayed stale after Consul came back.
        onStale: (stale) => {
          cluster.stale = stale;
          um.stale(stale);
          if (!stale) log.info({ upstream: u.name }, 'discovery answers again');
        },
      });
      const requests = new CallTelemetry('outbound', metrics.requests('outbound', u.name));
      const router = new OutboundRouter({
        cluster,
        clock,
        random,
        events: {
          started: (call) => requests.started(call),
          finished: (call) => requests.finished(call),
          retried: () => um.retried(),
          retryRefused: (_call, reason) => um.retryRefused(reason),
          shed: (_call, reason) => um.shed(reason === 'max_pending' ? 'max_pending' : 'max_active'),
        },
      });
      const listener = new Listener({ host: u.bindAddress, port: u.bindPort, factory: router, onConnections: connectionCounter(metrics, 'outbound', 'downstream') });
      return { cluster, watcher, listener };
    });

    for (const u of upstreams) u.watcher.start();
    await inbound.listen();
    for (const u of upstreams) await u.listener.listen();

    const admin = await startAdminServer({
      host: o.adminHost,
      port: o.adminPort,
      metrics: metrics.registry,
      ready: () => {
        const reasons = upstreams.filter((u) => !u.watcher.state().synced).map((u) => `upstream ${u.cluster.name}: no answer from discovery yet`);
        return { ready: reasons.length === 0, reasons };
      },
      clusters: () => ({
        inbound: { local: `${config.inbound.localServiceAddress}:${config.inbound.localServicePort}`, connections: localPool.connectionCount, activeCalls: inbound.activeCalls },
        upstreams: upstreams.map((u) => {
          const state = u.watcher.state();
          return { ...(u.cluster.snapshot() as object), discovery: { stale: state.stale, lastIndex: state.lastIndex, lastError: state.lastError?.message ?? null } };
        }),
      }),
      config: () => config,
    });
    log.info(
      {
        inbound: `${config.inbound.bindAddress}:${inbound.port} -> ${config.inbound.localServiceAddress}:${config.inbound.localServicePort}`,
        upstreams: upstreams.map((u) => `${u.listener.port} -> ${u.cluster.name}`),
        adminPort: admin.port,
      },
      'sidecar started',
    );
    return new Sidecar(config, admin, inbound, localPool, upstreams, log);
  }

  /** Graceful stop: no new connections; open calls get graceMs to finish; then everything closes. */
  async stop(graceMs = this.config.inbound.shutdownGraceMs): Promise<void> {
    this.log.info({ graceMs }, 'stopping');
    await Promise.all([this.inbound.close(graceMs), ...this.upstreams.map((u) => u.listener.close(graceMs))]);
    await Promise.all(this.upstreams.map((u) => u.watcher.close()));
    for (const u of this.upstreams) u.cluster.close();
    this.localPool.close();
    await this.admin.close();
    this.log.info('stopped');
  }
}

function connectionCounter(metrics: ProxyMetrics, direction: 'inbound' | 'outbound', peer: 'downstream' | 'upstream'): (delta: number) => void {
  const gauge = metrics.connection(direction, peer);
  return (delta) => (delta > 0 ? gauge.opened() : gauge.closed());
}
