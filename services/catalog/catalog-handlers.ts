// shop.catalog.v1.CatalogService: validation, then the store, then the wire shape.
import type { MessageInitShape } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { CatalogService, ProductStatus, type ProductSchema } from '../gen/shop/catalog/v1/catalog_pb.js';
import { invalidArgument } from '../runtime/errors/index.js';
import { encodePageToken, decodePageToken } from '../runtime/page-token.js';
import { bind, type ServiceBinding } from '../runtime/server/index.js';
import { tenantOf } from '../runtime/tenant.js';
import type { CatalogConfig } from './config.js';
import type { ProductRecord, ProductStore, StatusText } from './product-store.js';
import { parseBatchGet, parseChangePrice, parseCreate, parseId, parseList, parseSku, parseUpdate } from './validate.js';

const STATUS_ENUM: Record<StatusText, ProductStatus> = {
  DRAFT: ProductStatus.DRAFT,
  ACTIVE: ProductStatus.ACTIVE,
  ARCHIVED: ProductStatus.ARCHIVED,
};

export function toProduct(r: ProductRecord): MessageInitShape<typeof ProductSchema> {
  return {
    id: r.id,
    sku: r.sku,
    name: r.name,
    price: r.price,
    status: STATUS_ENUM[r.status],
    version: r.version,
    createTime: timestampFromDate(r.createdAt),
    updateTime: timestampFromDate(r.updatedAt),
    ...(r.details ? { details: r.details } : {}),
  };
}

function isListKey(key: unknown[] | undefined): key is [string, string] {
  return key !== undefined && key.length === 2 && typeof key[0] === 'string' && typeof key[1] === 'string';
}

export function catalogService(store: ProductStore, config: CatalogConfig['catalog']): ServiceBinding {
  return bind(CatalogService, {
    async createProduct(req, ctx) {
      return toProduct(await store.create(tenantOf(ctx), parseCreate(req), ctx));
    },

    async getProduct(req, ctx) {
      return toProduct(await store.get(tenantOf(ctx), parseId(req.id), ctx));
    },

    async getProductBySku(req, ctx) {
      return toProduct(await store.getBySku(tenantOf(ctx), parseSku(req.sku), ctx));
    },

    async batchGetProducts(req, ctx) {
      const { ids, skus } = parseBatchGet(req);
      return { products: (await store.batchGet(tenantOf(ctx), ids, skus, ctx)).map(toProduct) };
    },

    async listProducts(req, ctx) {
      const input = parseList(req, config.defaultPageSize, config.maxPageSize);
      // The token is bound to the filters it was issued for (AIP-158).
      const filter = { status: input.status, query: input.query };
      const after = decodePageToken(req.pageToken, filter);
      if (after !== undefined && !isListKey(after)) {
        throw invalidArgument([{ field: 'page_token', description: 'is not a token this service issued' }]);
      }
      // One row more than the page tells whether there is a next page.
      const rows = await store.list(tenantOf(ctx), { status: input.status, nameContains: input.query, after, limit: input.pageSize + 1 }, ctx);
      const page = rows.slice(0, input.pageSize);
      const last = page[page.length - 1];
      return {
        products: page.map(toProduct),
        nextPageToken: rows.length > input.pageSize && last ? encodePageToken([last.name, last.id], filter) : '',
      };
    },

    async updateProduct(req, ctx) {
      const { id, changes, expectedVersion } = parseUpdate(req);
      return toProduct(await store.update(tenantOf(ctx), id, changes, expectedVersion, ctx));
    },

    async changePrice(req, ctx) {
      const { id, price, expectedVersion } = parseChangePrice(req);
      return toProduct(await store.changePrice(tenantOf(ctx), id, price, expectedVersion, ctx));
    },

    async archiveProduct(req, ctx) {
      return toProduct(await store.update(tenantOf(ctx), parseId(req.id), { status: 'ARCHIVED' }, undefined, ctx));
    },
  });
}
