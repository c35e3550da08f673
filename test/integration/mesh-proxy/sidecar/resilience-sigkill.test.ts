// One of two instances SIGKILLed under steady load: at most 1 % of calls fail, and the client sidecar's
// outlier detection ejects the dead endpoint long before Consul's health check (every 10 s) notices.
//
// Backends are python3-grpcio echo servers (gRPC's C core), each its own process, each behind its own
// sidecar process; the caller's sidecar has one upstream per test, so that each test kills a fresh pair:
//   kill-app    the backend process of one instance is killed (its sidecar stays up and answers UNAVAILABLE)
//   kill-proxy  the sidecar process of one instance is killed (connections reset, then refused)
import test from 'ava';
import { DEFAULT_BASE_EJECTION_MS } from '../../../../mesh-proxy/src/breaker/index.js';
import { freePort, type ConsulServer } from '../../../../scripts/servers/index.js';
import { EchoClient } from '../../../support/echo/echo-client.js';
import { startPythonEcho } from '../../../support/echo/python-echo.js';
import { runLoad, type LoadResult } from '../../../support/load.js';
import { clusterOf, metric, metricSum } from '../../../support/mesh-admin.js';
import { registerInstance, startSidecar, waitForClusterEndpoints, type SidecarProcess } from '../../../support/mesh.js';
import { useServers } from '../../../support/servers.js';

const servers = useServers(test, { consul: true });

const RATE = 300;
const DURATION_MS = 6000;
const KILL_AT_MS = 2000;
/** The first ejection lasts this long (the upstreams keep the default outlier policy). */
const BASE_EJECTION_MS = DEFAULT_BASE_EJECTION_MS;

type PythonEcho = Awaited<ReturnType<typeof startPythonEcho>>;

interface Pair {
  backends: [PythonEcho, PythonEcho];
  sidecars: [SidecarProcess, SidecarProcess];
  app: EchoClient;
}

let caller: SidecarProcess | undefined;
const pairs = new Map<string, Pair>();
const stops: Array<() => Promise<unknown>> = [];

test.serial.before(async () => {
  const { consul } = servers();
  const names = ['kill-app', 'kill-proxy'];
  const backends = await Promise.all(names.flatMap(() => [startPythonEcho(), startPythonEcho()]));
  stops.push(...backends.map((b) => () => b.stop()));
  const ports = await Promise.all(names.map(() => freePort()));
  await Promise.all([
    ...names.flatMap((name, i) => [
      registerInstance(consul, { name, instance: 'a', port: backends[2 * i]!.port }),
      registerInstance(consul, { name, instance: 'b', port: backends[2 * i + 1]!.port }),
    ]),
    registerInstance(consul, { name: 'caller', instance: '1', port: 1, upstreams: names.map((name, i) => ({ destinationName: name, localBindPort: ports[i]! })) }),
  ]);
  const ids = [...names.flatMap((name) => [`${name}-a`, `${name}-b`]), 'caller-1'];
  const sidecars = await Promise.all(ids.map((id) => startSidecar(consul, id)));
  stops.push(...sidecars.map((s) => () => s.stop()));
  caller = sidecars[4]!;
  await Promise.all(names.map((name) => waitForClusterEndpoints(caller!, name, 2)));
  names.forEach((name, i) => {
    const app = new EchoClient(`127.0.0.1:${ports[i]!}`);
    stops.push(async () => app.close());
    pairs.set(name, { backends: [backends[2 * i]!, backends[2 * i + 1]!], sidecars: [sidecars[2 * i]!, sidecars[2 * i + 1]!], app });
  });
});

test.after.always(async () => {
  await Promise.allSettled(stops.reverse().map((stop) => stop()));
});

/** Whether Consul still lists `serviceId`'s sidecar as passing. */
async function consulPassing(consul: ConsulServer, name: string, serviceId: string): Promise<boolean> {
  const entries = (await (await fetch(`${consul.httpAddr}/v1/health/connect/${name}?passing=1`)).json()) as Array<{ Service: { Proxy?: { DestinationServiceID?: string } } }>;
  return entries.some((e) => e.Service.Proxy?.DestinationServiceID === serviceId);
}

interface KillRun {
  load: LoadResult;
  /** ms from the kill to the ejection, as the caller's sidecar timestamps it. */
  ejectedAfterMs: number | undefined;
  /** ms from the kill to Consul no longer listing the instance as passing; undefined: not within the run. */
  consulNoticedAfterMs: number | undefined;
  /** The caller sidecar's retry counters for the upstream during the run. */
  retries: number;
  refused: Record<string, number>;
}

/** Steady load through the caller's sidecar; `kill` runs KILL_AT_MS in; watches /clusters and Consul meanwhile. */
async function killUnderLoad(name: string, kill: () => void): Promise<KillRun> {
  const { consul } = servers();
  const pair = pairs.get(name)!;
  const victim = `${name}-a`;
  const counters = async () => {
    const text = (await caller!.admin('/metrics')).body;
    const refused: Record<string, number> = {};
    for (const reason of ['budget', 'attempts_exhausted', 'deadline', 'body_too_large']) refused[reason] = metricSum(text, 'meshproxy_retries_refused_total', { upstream: name, reason });
    return { retries: metricSum(text, 'meshproxy_retries_total', { upstream: name }), refused };
  };
  const before = await counters();
  let killedAt = 0;
  let consulNoticedAt: number | undefined;
  let ejectedAt: number | undefined;
  let watching = true;
  // Consul every 100 ms; the caller's /clusters every 20 ms, since Consul may drop the endpoint (and its state) later in the run.
  const watchConsul = async () => {
    while (watching && consulNoticedAt === undefined) {
      if (killedAt > 0 && !(await consulPassing(consul, name, victim))) consulNoticedAt = Date.now();
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const watchClusters = async () => {
    while (watching && ejectedAt === undefined) {
      const outlier = (await clusterOf(caller!, name)).endpoints.find((e) => e.serviceId === victim)?.outlier;
      // The sidecar's own timestamp of the ejection: its end minus the first ejection's length.
      if (outlier?.state === 'ejected' && outlier.ejectedUntil !== undefined) ejectedAt = outlier.ejectedUntil - BASE_EJECTION_MS;
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const watches = Promise.all([watchConsul(), watchClusters()]);
  const load = await runLoad({
    ratePerSecond: RATE,
    durationMs: DURATION_MS,
    call: (seq) => pair.app.unary(Buffer.from(`call ${seq}`), { timeoutMs: 2000 }),
    events: [
      {
        atMs: KILL_AT_MS,
        run: () => {
          killedAt = Date.now();
          kill();
        },
      },
    ],
  });
  watching = false;
  await watches;
  const after = await counters();
  return {
    load,
    retries: after.retries - before.retries,
    refused: Object.fromEntries(Object.entries(after.refused).map(([k, v]) => [k, v - before.refused[k]!])),
    ejectedAfterMs: ejectedAt === undefined ? undefined : ejectedAt - killedAt,
    consulNoticedAfterMs: consulNoticedAt === undefined ? undefined : consulNoticedAt - killedAt,
  };
}

function report(t: { log(...v: unknown[]): void }, what: string, run: KillRun): void {
  const { load } = run;
  t.log(
    `${what}: ${load.sent} calls at ${RATE}/s in ${load.elapsedMs} ms, ${load.failed} failed (${(load.failureRate * 100).toFixed(2)} %) ${JSON.stringify(load.byCode)}; ` +
      `${run.retries} retries, refused ${JSON.stringify(run.refused)}; ejected ${run.ejectedAfterMs ?? '-'} ms after the kill; Consul noticed ${run.consulNoticedAfterMs === undefined ? 'not within the run' : `after ${run.consulNoticedAfterMs} ms`}`,
  );
  if (load.failures.length > 0) t.log('first failures:', load.failures);
}

test.serial('sigkill - a backend process killed under load: ≤ 1 % of calls fail, its endpoint is ejected within a second', async (t) => {
  const pair = pairs.get('kill-app')!;
  const run = await killUnderLoad('kill-app', () => pair.backends[0].kill());
  report(t, 'backend SIGKILL', run);

  t.true(run.load.failureRate <= 0.01, `failure rate ${run.load.failureRate}`);
  t.not(run.ejectedAfterMs, undefined, 'the killed instance is ejected');
  t.true(run.ejectedAfterMs! >= 0 && run.ejectedAfterMs! < 1000, `ejected ${run.ejectedAfterMs} ms after the kill`);
  // Its sidecar still listens and the app has no check of its own: Consul never notices; only the caller's sidecar does.
  t.is(run.consulNoticedAfterMs, undefined);
  t.true(await consulPassing(servers().consul, 'kill-app', 'kill-app-a'), 'Consul still lists the instance as passing');
  t.true((await metric(caller!, 'meshproxy_endpoint_ejections_total', { upstream: 'kill-app' })) >= 1);
});

test.serial('sigkill - a sidecar process killed under load: ≤ 1 % of calls fail, ejected long before Consul notices', async (t) => {
  const pair = pairs.get('kill-proxy')!;
  const run = await killUnderLoad('kill-proxy', () => pair.sidecars[0].kill());
  report(t, 'sidecar SIGKILL', run);

  t.true(run.load.failureRate <= 0.01, `failure rate ${run.load.failureRate}`);
  t.not(run.ejectedAfterMs, undefined, 'the killed instance is ejected');
  t.true(run.ejectedAfterMs! >= 0 && run.ejectedAfterMs! < 1000, `ejected ${run.ejectedAfterMs} ms after the kill`);
  // Consul's TCP check on the sidecar port runs every 10 s: it notices within 0-10 s, the caller's sidecar within ms.
  if (run.consulNoticedAfterMs !== undefined) t.true(run.ejectedAfterMs! < run.consulNoticedAfterMs, 'ejected before Consul noticed');
});
