import test from 'ava';
import { status } from '@grpc/grpc-js';
import { CatalogService, ProductStatus } from '../../../services/gen/shop/catalog/v1/catalog_pb.js';
import { Health, HealthCheckResponse_ServingStatus as Serving } from '../../../services/gen/grpc/health/v1/health_pb.js';
import { createClient, type ServiceClient } from '../../../services/runtime/client/index.js';
import type { RunningService } from '../../../services/runtime/bootstrap/index.js';
import type { CatalogConfig } from '../../../services/catalog/config.js';
import { useServers } from '../../support/servers.js';
import { catalogEnv, overlayFile, startCatalog } from '../../support/catalog.js';
import { eventually } from '../../support/eventually.js';
import { grpcError, violatedFields } from '../../support/grpc.js';

const servers = useServers(test, { consul: true, postgres: true });

let catalog: RunningService<CatalogConfig>;
let client: ServiceClient<(typeof CatalogService)['method'] extends infer M ? { [K in keyof M]: M[K] & object } : never>;
let overlay: ReturnType<typeof overlayFile>;

test.before(async () => {
  overlay = overlayFile(['consul:', '  checkIntervalMs: 1000', 'upstreams:', '  - destinationName: inventory', '    localBindPort: 19191', '  - destinationName: review', '    localBindPort: 19192', ''].join('\n'));
  const env = await catalogEnv(servers(), 'catalog_it', 'it');
  catalog = await startCatalog({ ...env, SHOPMESH_CONFIG_FILE: overlay.path });
  client = createClient(CatalogService, `127.0.0.1:${catalog.port}`, { defaultTimeoutMs: 10_000 }) as typeof client;
});

test.after.always(async () => {
  client?.close();
  await catalog?.stop();
  overlay?.remove();
});

let skuCounter = 0;
const sku = (prefix = 'SKU') => `${prefix}-${process.pid}-${++skuCounter}`;
const eur = (units: number, nanos = 0) => ({ currencyCode: 'EUR', units: BigInt(units), nanos });

test('catalog - create then get, get by sku and batch get return the same product', async (t) => {
  const s = sku();
  const created = await client.createProduct({
    product: { sku: s, name: 'Espresso cup', price: eur(12, 500_000_000), details: { description: 'Porcelain', attributes: { color: 'white' }, imageUrls: ['https://img.example/cup.png'] } },
  });
  t.regex(created.id, /^[0-9a-f-]{36}$/);
  t.is(created.status, ProductStatus.ACTIVE);
  t.is(created.version, 1n);
  t.deepEqual({ ...created.price! }, { $typeName: 'shop.common.v1.Money', currencyCode: 'EUR', units: 12n, nanos: 500_000_000 });
  t.truthy(created.createTime);

  const got = await client.getProduct({ id: created.id });
  t.is(got.name, 'Espresso cup');
  t.is(got.details?.description, 'Porcelain');
  t.deepEqual(got.details?.attributes, { color: 'white' });
  t.deepEqual(got.details?.imageUrls, ['https://img.example/cup.png']);

  t.is((await client.getProductBySku({ sku: s })).id, created.id);
  const batch = await client.batchGetProducts({ ids: [created.id], skus: ['NO-SUCH-SKU'] });
  t.deepEqual(
    batch.products.map((p) => p.sku),
    [s],
  );
  t.is(batch.products[0]!.details, undefined, 'batch get returns core fields only');
});

test('catalog - list pages by name with tokens, filters by query and leaves archived products out', async (t) => {
  const tag = `Lamp${process.pid}`;
  const names = ['A', 'B', 'C', 'D', 'E'].map((l) => `${tag} ${l}`);
  const ids: string[] = [];
  for (const name of [...names].reverse()) ids.push((await client.createProduct({ product: { sku: sku('LAMP'), name, price: eur(30) } })).id);
  await client.archiveProduct({ id: ids[0]! }); // "… E"

  const seen: string[] = [];
  let pageToken = '';
  let pages = 0;
  do {
    const page = await client.listProducts({ pageSize: 2, pageToken, query: tag.toLowerCase() });
    t.true(page.products.length <= 2);
    seen.push(...page.products.map((p) => p.name));
    pageToken = page.nextPageToken;
    pages++;
  } while (pageToken !== '' && pages < 10);
  t.deepEqual(seen, names.slice(0, 4));
  t.is(pages, 2);

  const archived = await client.listProducts({ query: tag, status: ProductStatus.ARCHIVED });
  t.deepEqual(
    archived.products.map((p) => p.name),
    [names[4]],
  );

  const first = await client.listProducts({ pageSize: 1, query: tag });
  const err = await grpcError(client.listProducts({ pageSize: 1, query: 'other', pageToken: first.nextPageToken }));
  t.is(err.code, status.INVALID_ARGUMENT);
  t.regex(err.details, /page_token/);
});

test('catalog - update changes only the masked fields, bumps the version and checks expected_version', async (t) => {
  const p = await client.createProduct({ product: { sku: sku(), name: 'Kettle', price: eur(40), details: { description: 'old', attributes: { a: '1' } } } });
  const updated = await client.updateProduct({
    product: { id: p.id, name: 'Steel kettle', details: { description: 'new', attributes: { ignored: 'x' } } },
    updateMask: { paths: ['name', 'details.description'] },
  });
  t.is(updated.name, 'Steel kettle');
  t.is(updated.details?.description, 'new');
  t.deepEqual(updated.details?.attributes, { a: '1' }, 'attributes were not in the mask');
  t.is(updated.version, 2n);

  const stale = await grpcError(client.updateProduct({ product: { id: p.id, name: 'X' }, updateMask: { paths: ['name'] }, expectedVersion: 1n }));
  t.is(stale.code, status.ABORTED);
  t.is((await client.getProduct({ id: p.id })).name, 'Steel kettle', 'a rejected update changes nothing');

  const repriced = await client.changePrice({ id: p.id, price: eur(35, 990_000_000), expectedVersion: 2n });
  t.is(repriced.price?.units, 35n);
  t.is(repriced.price?.nanos, 990_000_000);
  t.is(repriced.version, 3n);
});

test('catalog - duplicate sku is ALREADY_EXISTS and unknown ids are NOT_FOUND', async (t) => {
  const s = sku();
  await client.createProduct({ product: { sku: s, name: 'One', price: eur(1) } });
  const dup = await grpcError(client.createProduct({ product: { sku: s, name: 'Two', price: eur(2) } }));
  t.is(dup.code, status.ALREADY_EXISTS);
  t.regex(dup.details, new RegExp(s));
  t.is((await grpcError(client.getProduct({ id: '00000000-0000-4000-8000-000000000000' }))).code, status.NOT_FOUND);
  t.is((await grpcError(client.changePrice({ id: '00000000-0000-4000-8000-000000000000', price: eur(1) }))).code, status.NOT_FOUND);
});

test('catalog - invalid requests get INVALID_ARGUMENT naming every bad field, and store nothing', async (t) => {
  const s = 'bad sku!';
  const err = await grpcError(client.createProduct({ product: { sku: s, name: '', price: { currencyCode: 'eur', units: -1n, nanos: 0 } } }));
  t.is(err.code, status.INVALID_ARGUMENT);
  t.deepEqual(violatedFields(err).sort(), ['product.name', 'product.price', 'product.price.currency_code', 'product.sku'].sort());
  t.regex(err.details, /product\.sku/);

  const noProduct = await grpcError(client.createProduct({}));
  t.deepEqual(violatedFields(noProduct), ['product']);

  const badId = await grpcError(client.getProduct({ id: 'not-a-uuid' }));
  t.is(badId.code, status.INVALID_ARGUMENT);
  t.deepEqual(violatedFields(badId), ['id']);

  const badMask = await grpcError(client.updateProduct({ product: { id: '00000000-0000-4000-8000-000000000000' }, updateMask: { paths: ['price'] } }));
  t.deepEqual(violatedFields(badMask), ['update_mask']);

  const list = await client.listProducts({ query: s });
  t.is(list.products.length, 0);
});

test('catalog - registered in consul as passing, with its sidecar and declared upstreams', async (t) => {
  const consul = servers().consul;
  const entry = await eventually(
    async () => {
      const res = await fetch(`${consul.httpAddr}/v1/health/service/catalog?passing=true`);
      const list = (await res.json()) as Array<{ Service: { ID: string; Port: number; Meta: Record<string, string>; Weights: { Passing: number } } }>;
      return list.find((e) => e.Service.ID === 'catalog-it');
    },
    15_000,
    'catalog-it passing in consul',
  );
  t.is(entry.Service.Port, catalog.port);
  t.is(entry.Service.Meta['version'], '1.0.0');
  t.is(entry.Service.Weights.Passing, 10);

  const sidecar = (await (await fetch(`${consul.httpAddr}/v1/agent/service/catalog-it-sidecar-proxy`)).json()) as {
    Kind: string;
    Port: number;
    Weights: { Passing: number; Warning: number };
    Proxy: { DestinationServiceID: string; DestinationServiceName: string; LocalServicePort: number; Upstreams: Array<{ DestinationName: string; LocalBindPort: number }> };
  };
  t.is(sidecar.Kind, 'connect-proxy');
  t.deepEqual(sidecar.Weights, { Passing: 10, Warning: 1 }, 'the sidecar is what callers balance over');
  t.true(sidecar.Port >= 21000, `consul assigned sidecar port ${sidecar.Port}`);
  t.is(sidecar.Proxy.DestinationServiceID, 'catalog-it');
  t.is(sidecar.Proxy.DestinationServiceName, 'catalog');
  t.is(sidecar.Proxy.LocalServicePort, catalog.port);
  t.deepEqual(
    sidecar.Proxy.Upstreams.map((u) => [u.DestinationName, u.LocalBindPort]),
    [
      ['inventory', 19191],
      ['review', 19192],
    ],
  );

  const health = createClient(Health, `127.0.0.1:${catalog.port}`);
  t.teardown(() => health.close());
  t.is((await health.check({ service: '' })).status, Serving.SERVING);
  t.is((await health.check({ service: 'shop.catalog.v1.CatalogService' })).status, Serving.SERVING);
});
