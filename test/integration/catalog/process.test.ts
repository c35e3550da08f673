import test from 'ava';
import { useServers } from '../../support/servers.js';
import { catalogEnv, overlayFile, spawnCatalog } from '../../support/catalog.js';
import { eventually } from '../../support/eventually.js';

const servers = useServers(test, { consul: true, postgres: true });

async function agentHas(consulAddr: string, id: string): Promise<boolean> {
  const res = await fetch(`${consulAddr}/v1/agent/service/${id}`);
  await res.body?.cancel();
  return res.status === 200;
}

test('catalog process - SIGTERM deregisters it and its sidecar from consul within 5 s and exits 0', async (t) => {
  const { consul } = servers();
  const overlay = overlayFile('consul:\n  checkIntervalMs: 1000\n');
  t.teardown(overlay.remove);
  const proc = spawnCatalog({ ...(await catalogEnv(servers(), 'catalog_proc', 'proc')), SHOPMESH_CONFIG_FILE: overlay.path, LOG_LEVEL: 'info' });
  t.teardown(() => {
    if (proc.child.exitCode === null) proc.child.kill('SIGKILL');
  });
  await eventually(
    async () => {
      const res = await fetch(`${consul.httpAddr}/v1/health/checks/catalog?filter=${encodeURIComponent('ServiceID == "catalog-proc"')}`);
      const checks = (await res.json()) as Array<{ Status: string }>;
      return checks.length > 0 && checks.every((c) => c.Status === 'passing') ? true : undefined;
    },
    30_000,
    `catalog-proc passing (stderr: ${proc.stderr()})`,
  );
  t.true(await agentHas(consul.httpAddr, 'catalog-proc-sidecar-proxy'));

  const sent = Date.now();
  proc.child.kill('SIGTERM');
  await eventually(async () => ((await agentHas(consul.httpAddr, 'catalog-proc')) ? undefined : true), 5_000, 'deregistration');
  const tookMs = Date.now() - sent;
  t.true(tookMs < 5_000, `deregistered after ${tookMs} ms`);
  t.false(await agentHas(consul.httpAddr, 'catalog-proc-sidecar-proxy'));
  t.is(await proc.exited, 0);
  t.regex(proc.stdout(), /"msg":"deregistered from consul"/);
  t.log(`deregistered ${tookMs} ms after SIGTERM`);
});

test('catalog process - a bad environment value stops start-up with exit 2 naming the property and the variable', async (t) => {
  const proc = spawnCatalog({ GRPC_PORT: 'eighty', CONSUL_HTTP_ADDR: servers().consul.httpAddr });
  t.is(await proc.exited, 2);
  t.regex(proc.stderr(), /invalid configuration: server\.port \(env GRPC_PORT\): expected an integer, got "eighty"/);
});

test('catalog process - a bad file value stops start-up naming the property and the file', async (t) => {
  const overlay = overlayFile('server:\n  port: 70000\nservice:\n  weights:\n    passing: 0\n');
  t.teardown(overlay.remove);
  const proc = spawnCatalog({ SHOPMESH_CONFIG_FILE: overlay.path });
  t.is(await proc.exited, 2);
  const stderr = proc.stderr();
  t.regex(stderr, /server\.port \([^)]*overlay\.yaml\): Too big/);
  t.regex(stderr, /service\.weights\.passing \([^)]*overlay\.yaml\)/);
  t.notRegex(stderr, /at .*\.ts:\d+/, 'no stack trace for a configuration error');
});
