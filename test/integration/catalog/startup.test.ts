import test from 'ava';
import { freePort, startPostgres } from '../../../scripts/servers/index.js';
import { useServers } from '../../support/servers.js';
import { overlayFile, startCatalog } from '../../support/catalog.js';

const servers = useServers(test, { consul: true });

test('catalog start-up - waits for a database that comes up after it, then serves', async (t) => {
  const port = await freePort();
  const overlay = overlayFile('database:\n  startupWaitMs: 30000\n');
  t.teardown(overlay.remove);
  const starting = startCatalog({
    DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/catalog_late`,
    CONSUL_HTTP_ADDR: servers().consul.httpAddr,
    GRPC_PORT: '0',
    SIDECAR_PORT: '0',
    SERVICE_INSTANCE: 'late',
    LOG_LEVEL: 'silent',
    SHOPMESH_CONFIG_FILE: overlay.path,
  });
  let settled = false;
  void starting.then(
    () => (settled = true),
    () => (settled = true),
  );
  await new Promise((r) => setTimeout(r, 1000));
  t.false(settled, 'still waiting while there is no database');

  const postgres = await startPostgres({ port });
  t.teardown(() => postgres.stop());
  await postgres.createDatabase('catalog_late');
  const catalog = await starting;
  t.teardown(() => catalog.stop());
  const { rows } = await catalog.pool.query<{ n: string }>('SELECT count(*) AS n FROM schema_migrations');
  t.true(Number(rows[0]!.n) >= 1, 'migrations ran once the database was there');
});

test('catalog start-up - gives up with a clear error when the database never answers', async (t) => {
  const overlay = overlayFile('database:\n  startupWaitMs: 500\n');
  t.teardown(overlay.remove);
  const err = await t.throwsAsync(
    startCatalog({
      DATABASE_URL: `postgres://postgres@127.0.0.1:${await freePort()}/nothing`,
      CONSUL_HTTP_ADDR: servers().consul.httpAddr,
      GRPC_PORT: '0',
      LOG_LEVEL: 'silent',
      SHOPMESH_CONFIG_FILE: overlay.path,
    }),
  );
  t.regex(err.message, /database did not answer within 500 ms: .*ECONNREFUSED/);
});

test('catalog start-up - two instances starting at once on one database both come up, migrations applied once', async (t) => {
  const postgres = await startPostgres();
  t.teardown(() => postgres.stop());
  const url = await postgres.createDatabase('catalog_twins');
  const env = (instance: string) => ({
    DATABASE_URL: url,
    CONSUL_HTTP_ADDR: servers().consul.httpAddr,
    GRPC_PORT: '0',
    SIDECAR_PORT: '0',
    SERVICE_INSTANCE: instance,
    LOG_LEVEL: 'silent',
  });
  const [a, b] = await Promise.all([startCatalog(env('twin-a')), startCatalog(env('twin-b'))]);
  t.teardown(() => Promise.all([a.stop(), b.stop()]));
  const { rows } = await a.pool.query<{ version: string; n: string }>('SELECT version, count(*) AS n FROM schema_migrations GROUP BY version');
  t.deepEqual(
    rows.map((r) => [Number(r.version), Number(r.n)]),
    [[1, 1]],
  );
  const tables = await a.pool.query<{ n: string }>("SELECT count(*) AS n FROM information_schema.tables WHERE table_name IN ('products', 'product_details')");
  t.is(Number(tables.rows[0]!.n), 2);
  t.not(a.port, b.port);
});
