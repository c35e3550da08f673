import test, { type ExecutionContext } from 'ava';
import { create } from '@bufbuild/protobuf';
import {
  BatchGetProductsRequestSchema,
  ChangePriceRequestSchema,
  CreateProductRequestSchema,
  ListProductsRequestSchema,
  ProductStatus,
  UpdateProductRequestSchema,
} from '../../../services/gen/shop/catalog/v1/catalog_pb.js';
import { Code, ServiceError } from '../../../services/runtime/errors/index.js';
import {
  UPDATABLE_PATHS,
  parseBatchGet,
  parseChangePrice,
  parseCreate,
  parseId,
  parseList,
  parseSku,
  parseUpdate,
} from '../../../services/catalog/validate.js';

const ID = '0B6F8C2E-5D1A-4C3B-9E7F-2A1B3C4D5E6F';
const id = ID.toLowerCase();
const PRICE = { currencyCode: 'EUR', units: 12n, nanos: 500_000_000 };
const SKU_RULE = 'must be 1-64 characters of A-Z, 0-9, ".", "_", "-", starting with a letter or digit';
const URL_RULE = 'must be an https URL of at most 2048 characters';

interface MoneyInit {
  currencyCode: string;
  units: bigint;
  nanos: number;
}

/** The product fields these tests set (plain objects, so they can be spread). */
interface ProductInit {
  id?: string;
  sku?: string;
  name?: string;
  price?: MoneyInit | undefined;
  status?: ProductStatus;
  details?: { description?: string; attributes?: Record<string, string>; imageUrls?: string[] } | undefined;
}

function product(overrides: ProductInit = {}): ProductInit {
  return {
    sku: 'MUG-001',
    name: 'Blue mug',
    price: PRICE,
    details: { description: 'A mug', attributes: { color: 'blue' }, imageUrls: ['https://img.example/mug.png'] },
    ...overrides,
  };
}

const createReq = (overrides: ProductInit = {}) => create(CreateProductRequestSchema, { product: product(overrides) });

/**
 * Runs `fn`, expects INVALID_ARGUMENT and returns its violations as [field, description];
 * also checks that the message names every field exactly as "field: description".
 */
function violations(t: ExecutionContext, fn: () => unknown): Array<[string, string]> {
  const err = t.throws(fn, { instanceOf: ServiceError });
  if (!err) return [];
  t.is(err.code, Code.INVALID_ARGUMENT);
  const pairs = err.violations.map((v): [string, string] => [v.field, v.description]);
  t.is(err.message, pairs.map(([f, d]) => `${f}: ${d}`).join('; '));
  return pairs;
}

// --- CreateProduct ---

test('catalog validate - create: a valid product becomes a store input, ACTIVE by default', (t) => {
  const input = parseCreate(createReq({ name: '  Blue mug  ' }));
  t.deepEqual(input, {
    sku: 'MUG-001',
    name: 'Blue mug',
    price: { currencyCode: 'EUR', units: 12n, nanos: 500_000_000 },
    status: 'ACTIVE',
    details: { description: 'A mug', attributes: { color: 'blue' }, imageUrls: ['https://img.example/mug.png'] },
  });
});

test('catalog validate - create: DRAFT is kept; no details give empty ones', (t) => {
  const input = parseCreate(createReq({ status: ProductStatus.DRAFT, details: undefined }));
  t.is(input.status, 'DRAFT');
  t.deepEqual(input.details, { description: '', attributes: {}, imageUrls: [] });
});

test('catalog validate - create: product is required', (t) => {
  t.deepEqual(
    violations(t, () => parseCreate(create(CreateProductRequestSchema, {}))),
    [['product', 'is required']],
  );
});

test('catalog validate - create: sku is required', (t) => {
  t.deepEqual(
    violations(t, () => parseCreate(createReq({ sku: '' }))),
    [['product.sku', 'is required']],
  );
});

for (const sku of ['mug-001', '-MUG', '.MUG', 'MUG 001', 'MUG/1', 'MÜG', 'A'.repeat(65)]) {
  test(`catalog validate - create: sku ${JSON.stringify(sku.length > 20 ? `${sku.slice(0, 5)}… (${sku.length})` : sku)} breaks the pattern`, (t) => {
    t.deepEqual(
      violations(t, () => parseCreate(createReq({ sku }))),
      [['product.sku', SKU_RULE]],
    );
  });
}

test('catalog validate - create: sku of 64 characters with ".", "_", "-" is accepted', (t) => {
  const sku = `9A.B_C-${'D'.repeat(57)}`;
  t.is(sku.length, 64);
  t.is(parseCreate(createReq({ sku })).sku, sku);
});

test('catalog validate - create: name is required and at most 200 characters (code points)', (t) => {
  t.deepEqual(
    violations(t, () => parseCreate(createReq({ name: '   ' }))),
    [['product.name', 'is required']],
  );
  t.deepEqual(
    violations(t, () => parseCreate(createReq({ name: 'n'.repeat(201) }))),
    [['product.name', 'must be 1-200 characters']],
  );
  // 200 emoji are 400 UTF-16 units but 200 characters.
  t.is(parseCreate(createReq({ name: '😀'.repeat(200) })).name, '😀'.repeat(200));
});

test('catalog validate - create: price is required', (t) => {
  t.deepEqual(
    violations(t, () => parseCreate(createReq({ price: undefined }))),
    [['product.price', 'is required']],
  );
});

test('catalog validate - create: bad price fields are named by their path', (t) => {
  t.deepEqual(
    violations(t, () => parseCreate(createReq({ price: { currencyCode: 'eur', units: 1n, nanos: 1_000_000_000 } }))),
    [
      ['product.price.currency_code', 'must be an ISO 4217 code of three upper-case letters'],
      ['product.price.nanos', 'must be between -999999999 and 999999999'],
    ],
  );
});

test('catalog validate - create: a negative price is refused', (t) => {
  t.deepEqual(
    violations(t, () => parseCreate(createReq({ price: { currencyCode: 'EUR', units: -1n, nanos: 0 } }))),
    [['product.price', 'must not be negative']],
  );
});

test('catalog validate - create: a new product cannot be archived', (t) => {
  t.deepEqual(
    violations(t, () => parseCreate(createReq({ status: ProductStatus.ARCHIVED }))),
    [['product.status', 'a new product cannot be archived']],
  );
});

test('catalog validate - create: an unknown status number is refused', (t) => {
  t.deepEqual(
    violations(t, () => parseCreate(createReq({ status: 9 as ProductStatus }))),
    [['product.status', 'unknown status 9']],
  );
});

test('catalog validate - create: description is at most 10000 characters', (t) => {
  t.is(parseCreate(createReq({ details: { description: 'd'.repeat(10_000) } })).details.description.length, 10_000);
  t.deepEqual(
    violations(t, () => parseCreate(createReq({ details: { description: 'd'.repeat(10_001) } }))),
    [['product.details.description', 'must be at most 10000 characters']],
  );
});

test('catalog validate - create: at most 64 attributes', (t) => {
  const attributes = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'v']));
  t.is(Object.keys(parseCreate(createReq({ details: { attributes: attributes(64) } })).details.attributes).length, 64);
  t.deepEqual(
    violations(t, () => parseCreate(createReq({ details: { attributes: attributes(65) } }))),
    [['product.details.attributes', 'must have at most 64 entries']],
  );
});

test('catalog validate - create: attribute keys are 1-64 characters', (t) => {
  t.deepEqual(parseCreate(createReq({ details: { attributes: { ['k'.repeat(64)]: 'v' } } })).details.attributes, { ['k'.repeat(64)]: 'v' });
  t.deepEqual(
    violations(t, () => parseCreate(createReq({ details: { attributes: { ['k'.repeat(65)]: 'v', '': 'empty' } } }))),
    [
      ['product.details.attributes', `key "${'k'.repeat(65)}" must be 1-64 characters`],
      ['product.details.attributes', 'key "" must be 1-64 characters'],
    ],
  );
});

test('catalog validate - create: attribute values are at most 1024 characters, named by key', (t) => {
  t.is(parseCreate(createReq({ details: { attributes: { color: 'v'.repeat(1024) } } })).details.attributes['color'], 'v'.repeat(1024));
  t.deepEqual(
    violations(t, () => parseCreate(createReq({ details: { attributes: { color: 'v'.repeat(1025) } } }))),
    [['product.details.attributes[color]', 'must be at most 1024 characters']],
  );
});

// The limits are in characters (code points), as for name and description and as the proto
// documents ("keys up to 64 characters"): an emoji is one character, not two.
test('catalog validate - create: attribute key and value lengths count characters like name and description', (t) => {
  const key = '🔑'.repeat(64);
  const value = '😀'.repeat(1024);
  t.is([...key].length, 64);
  t.is([...value].length, 1024);
  let input: ReturnType<typeof parseCreate> | undefined;
  t.notThrows(() => (input = parseCreate(createReq({ details: { attributes: { [key]: value } } }))));
  t.is(input?.details.attributes[key], value);
});

// grpc-js sends a status message as encodeURI(details), which throws URIError on a lone
// surrogate: the call then never completes, and the rejection is unhandled.
test('catalog validate - create: a long attribute key is cut in the message without splitting a character', (t) => {
  const key = `a${'😀'.repeat(70)}`;
  const err = t.throws(() => parseCreate(createReq({ details: { attributes: { [key]: 'v'.repeat(1025) } } })), { instanceOf: ServiceError });
  if (!err) return;
  t.is(err.violations.length, 2);
  t.notThrows(() => encodeURI(err.message));
  for (const v of err.violations) t.notThrows(() => encodeURI(`${v.field} ${v.description}`));
});

test('catalog validate - create: at most 16 image URLs', (t) => {
  const urls = (n: number) => Array.from({ length: n }, (_, i) => `https://img.example/${i}.png`);
  t.is(parseCreate(createReq({ details: { imageUrls: urls(16) } })).details.imageUrls.length, 16);
  t.deepEqual(
    violations(t, () => parseCreate(createReq({ details: { imageUrls: urls(17) } }))),
    [['product.details.image_urls', 'must have at most 16 entries']],
  );
});

test('catalog validate - create: image URLs must be https, each named by index', (t) => {
  t.deepEqual(
    violations(t, () =>
      parseCreate(
        createReq({
          details: {
            imageUrls: ['https://ok.example/a.png', 'http://img.example/b.png', 'not a url', '', 'javascript:alert(1)', `https://img.example/${'x'.repeat(2048)}`],
          },
        }),
      ),
    ),
    [
      ['product.details.image_urls[1]', URL_RULE],
      ['product.details.image_urls[2]', URL_RULE],
      ['product.details.image_urls[3]', URL_RULE],
      ['product.details.image_urls[4]', URL_RULE],
      ['product.details.image_urls[5]', URL_RULE],
    ],
  );
});

test('catalog validate - create: every bad field is reported at once', (t) => {
  const pairs = violations(t, () =>
    parseCreate(createReq({ sku: 'bad sku', name: '', price: { currencyCode: 'EURO', units: 0n, nanos: 0 }, details: { imageUrls: ['ftp://x'] } })),
  );
  t.deepEqual(
    pairs.map(([field]) => field),
    ['product.sku', 'product.name', 'product.price.currency_code', 'product.details.image_urls[0]'],
  );
});

// --- GetProduct, GetProductBySku ---

test('catalog validate - id: a UUID is lower-cased; others are refused', (t) => {
  t.is(parseId(ID), id);
  t.deepEqual(
    violations(t, () => parseId('')),
    [['id', 'is required']],
  );
  t.deepEqual(
    violations(t, () => parseId('42', 'product.id')),
    [['product.id', 'must be a UUID']],
  );
});

test('catalog validate - sku lookup: the sku pattern applies, on field "sku"', (t) => {
  t.is(parseSku('MUG-001'), 'MUG-001');
  t.deepEqual(
    violations(t, () => parseSku('mug')),
    [['sku', SKU_RULE]],
  );
  t.deepEqual(
    violations(t, () => parseSku('')),
    [['sku', 'is required']],
  );
});

// --- UpdateProduct ---

const updateReq = (paths: string[], p: ProductInit = {}, expectedVersion = 0n) =>
  create(UpdateProductRequestSchema, { product: { id: ID, ...p }, updateMask: { paths }, expectedVersion });

test('catalog validate - update: the fields named in the mask become changes', (t) => {
  const result = parseUpdate(updateReq(['name', 'status'], { name: ' New name ', status: ProductStatus.ARCHIVED, sku: 'IGNORED' }));
  t.deepEqual(result, { id, changes: { name: 'New name', status: 'ARCHIVED' }, expectedVersion: undefined });
});

test('catalog validate - update: every updatable path is accepted', (t) => {
  t.deepEqual([...UPDATABLE_PATHS], ['name', 'status', 'details', 'details.description', 'details.attributes', 'details.image_urls']);
  const result = parseUpdate(updateReq([...UPDATABLE_PATHS], { name: 'n', status: ProductStatus.DRAFT, details: { description: 'd' } }));
  t.deepEqual(result.changes, { name: 'n', status: 'DRAFT', description: 'd', attributes: {}, imageUrls: [] });
});

test('catalog validate - update: "details" changes all three detail fields', (t) => {
  const result = parseUpdate(updateReq(['details'], { details: { description: 'd', attributes: { a: 'b' }, imageUrls: ['https://x.example/1'] } }));
  t.deepEqual(result.changes, { description: 'd', attributes: { a: 'b' }, imageUrls: ['https://x.example/1'] });
});

test('catalog validate - update: one detail path changes only that field, and checks only it', (t) => {
  const details = { description: 'new', imageUrls: ['http://not-https.example/a.png'], attributes: { ['k'.repeat(65)]: 'v' } };
  t.deepEqual(parseUpdate(updateReq(['details.description'], { details })).changes, { description: 'new' });
  t.deepEqual(
    violations(t, () => parseUpdate(updateReq(['details.image_urls'], { details }))),
    [['product.details.image_urls[0]', URL_RULE]],
  );
  t.deepEqual(
    violations(t, () => parseUpdate(updateReq(['details.attributes'], { details }))),
    [['product.details.attributes', `key "${'k'.repeat(65)}" must be 1-64 characters`]],
  );
});

test('catalog validate - update: fields not in the mask are not checked', (t) => {
  const result = parseUpdate(updateReq(['status'], { name: '', status: ProductStatus.ACTIVE, price: { currencyCode: 'bad', units: -1n, nanos: 0 } }));
  t.deepEqual(result.changes, { status: 'ACTIVE' });
});

test('catalog validate - update: the mask must name at least one field', (t) => {
  t.deepEqual(
    violations(t, () => parseUpdate(updateReq([], { name: 'x' }))),
    [['update_mask', 'must name at least one field']],
  );
  t.deepEqual(
    violations(t, () => parseUpdate(create(UpdateProductRequestSchema, { product: { id: ID } }))),
    [['update_mask', 'must name at least one field']],
  );
});

for (const path of ['price', 'sku', 'id', 'version', 'details.foo', 'Name']) {
  test(`catalog validate - update: the mask cannot name "${path}"`, (t) => {
    t.deepEqual(
      violations(t, () => parseUpdate(updateReq(['name', path], { name: 'x' }))),
      [['update_mask', `cannot update "${path}"; updatable: ${UPDATABLE_PATHS.join(', ')} (price has ChangePrice)`]],
    );
  });
}

test('catalog validate - update: product is required', (t) => {
  t.deepEqual(
    violations(t, () => parseUpdate(create(UpdateProductRequestSchema, { updateMask: { paths: ['name'] } }))),
    [['product', 'is required']],
  );
});

test('catalog validate - update: product.id must be a UUID, and is lower-cased', (t) => {
  t.is(parseUpdate(updateReq(['name'], { name: 'x' })).id, id);
  t.deepEqual(
    violations(t, () => parseUpdate(updateReq(['name'], { id: '', name: 'x' }))),
    [['product.id', 'is required']],
  );
  t.deepEqual(
    violations(t, () => parseUpdate(updateReq(['name'], { id: 'abc', name: 'x' }))),
    [['product.id', 'must be a UUID']],
  );
});

test('catalog validate - update: a named name is required and at most 200 characters', (t) => {
  t.deepEqual(
    violations(t, () => parseUpdate(updateReq(['name'], { name: '  ' }))),
    [['product.name', 'is required']],
  );
  t.deepEqual(
    violations(t, () => parseUpdate(updateReq(['name'], { name: 'n'.repeat(201) }))),
    [['product.name', 'must be 1-200 characters']],
  );
});

test('catalog validate - update: a named status needs a value', (t) => {
  t.deepEqual(
    violations(t, () => parseUpdate(updateReq(['status'], {}))),
    [['product.status', 'is required when update_mask names it']],
  );
});

test('catalog validate - update: expected_version 0 means unconditional, a positive one is kept', (t) => {
  t.is(parseUpdate(updateReq(['name'], { name: 'x' }, 0n)).expectedVersion, undefined);
  t.is(parseUpdate(updateReq(['name'], { name: 'x' }, 7n)).expectedVersion, 7n);
});

test('catalog validate - update: a negative expected_version is refused', (t) => {
  t.deepEqual(
    violations(t, () => parseUpdate(updateReq(['name'], { name: 'x' }, -1n))),
    [['expected_version', 'must not be negative']],
  );
});

// --- ChangePrice ---

const changePriceReq = (init: { id?: string; price?: MoneyInit; expectedVersion?: bigint }) => create(ChangePriceRequestSchema, { id: ID, price: PRICE, ...init });

test('catalog validate - change price: a valid request', (t) => {
  t.deepEqual(parseChangePrice(changePriceReq({ expectedVersion: 3n })), {
    id,
    price: { currencyCode: 'EUR', units: 12n, nanos: 500_000_000 },
    expectedVersion: 3n,
  });
});

test('catalog validate - change price: fields are named from the request root', (t) => {
  t.deepEqual(
    violations(t, () => parseChangePrice(changePriceReq({ id: 'x', price: { currencyCode: 'Eur', units: 1n, nanos: -5 }, expectedVersion: -2n }))),
    [
      ['id', 'must be a UUID'],
      ['price.currency_code', 'must be an ISO 4217 code of three upper-case letters'],
      ['price.nanos', 'must have the same sign as units'],
      ['price', 'must not be negative'],
      ['expected_version', 'must not be negative'],
    ],
  );
});

test('catalog validate - change price: price is required', (t) => {
  t.deepEqual(
    violations(t, () => parseChangePrice(create(ChangePriceRequestSchema, { id: ID }))),
    [['price', 'is required']],
  );
});

// --- ListProducts ---

const listReq = (init: { pageSize?: number; query?: string; status?: ProductStatus }) => create(ListProductsRequestSchema, init);

test('catalog validate - list: page size 0 takes the default', (t) => {
  t.is(parseList(listReq({}), 20, 100).pageSize, 20);
});

test('catalog validate - list: page size above the maximum is lowered to it', (t) => {
  t.is(parseList(listReq({ pageSize: 500 }), 20, 100).pageSize, 100);
  t.is(parseList(listReq({ pageSize: 100 }), 20, 100).pageSize, 100);
  t.is(parseList(listReq({ pageSize: 7 }), 20, 100).pageSize, 7);
});

test('catalog validate - list: a negative page size is refused', (t) => {
  t.deepEqual(
    violations(t, () => parseList(listReq({ pageSize: -1 }), 20, 100)),
    [['page_size', 'must not be negative']],
  );
});

test('catalog validate - list: status defaults to ACTIVE, and a given one is kept', (t) => {
  t.is(parseList(listReq({}), 20, 100).status, 'ACTIVE');
  t.is(parseList(listReq({ status: ProductStatus.ARCHIVED }), 20, 100).status, 'ARCHIVED');
  t.deepEqual(
    violations(t, () => parseList(listReq({ status: 12 as ProductStatus }), 20, 100)),
    [['status', 'unknown status 12']],
  );
});

test('catalog validate - list: query is trimmed and at most 200 characters', (t) => {
  t.is(parseList(listReq({ query: '  mug ' }), 20, 100).query, 'mug');
  t.is(parseList(listReq({ query: '😀'.repeat(200) }), 20, 100).query, '😀'.repeat(200));
  t.deepEqual(
    violations(t, () => parseList(listReq({ query: 'q'.repeat(201) }), 20, 100)),
    [['query', 'must be at most 200 characters']],
  );
});

// --- BatchGetProducts ---

const batchReq = (ids: string[], skus: string[] = []) => create(BatchGetProductsRequestSchema, { ids, skus });
const uuids = (n: number) => Array.from({ length: n }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);

test('catalog validate - batch get: ids are lower-cased, skus kept', (t) => {
  t.deepEqual(parseBatchGet(batchReq([ID], ['MUG-001'])), { ids: [id], skus: ['MUG-001'] });
});

test('catalog validate - batch get: at least one id or sku', (t) => {
  t.deepEqual(
    violations(t, () => parseBatchGet(batchReq([]))),
    [['ids', 'name at least one id or sku']],
  );
  t.deepEqual(parseBatchGet(batchReq([], ['A'])).skus, ['A']);
});

test('catalog validate - batch get: at most 100 ids and 100 skus', (t) => {
  const skus = (n: number) => Array.from({ length: n }, (_, i) => `SKU-${i}`);
  t.is(parseBatchGet(batchReq(uuids(100), skus(100))).ids.length, 100);
  t.deepEqual(
    violations(t, () => parseBatchGet(batchReq(uuids(101), skus(101)))),
    [
      ['ids', 'must have at most 100 entries'],
      ['skus', 'must have at most 100 entries'],
    ],
  );
});

test('catalog validate - batch get: each bad entry is named by its index', (t) => {
  t.deepEqual(
    violations(t, () => parseBatchGet(batchReq([ID, 'nope', ''], ['OK', 'bad sku']))),
    [
      ['ids[1]', 'must be a UUID'],
      ['ids[2]', 'is required'],
      ['skus[1]', SKU_RULE],
    ],
  );
});
