// Checks catalog requests and turns them into store inputs; every bad field is named.
import { ProductStatus, type ChangePriceRequest, type CreateProductRequest, type ListProductsRequest, type ProductDetails, type UpdateProductRequest, type BatchGetProductsRequest } from '../gen/shop/catalog/v1/catalog_pb.js';
import { Violations, checkMoney } from '../runtime/validate/index.js';
import type { DetailsValue, MoneyValue, NewProduct, ProductChanges, StatusText } from './product-store.js';

const SKU = /^[A-Z0-9][A-Z0-9._-]{0,63}$/;
const MAX_NAME = 200;
const MAX_DESCRIPTION = 10_000;
const MAX_ATTRIBUTES = 64;
const MAX_ATTRIBUTE_KEY = 64;
const MAX_ATTRIBUTE_VALUE = 1024;
const MAX_IMAGES = 16;
const MAX_URL = 2048;
const MAX_QUERY = 200;
const MAX_BATCH = 100;

/** Fields UpdateProduct may name in its update_mask. */
export const UPDATABLE_PATHS = ['name', 'status', 'details', 'details.description', 'details.attributes', 'details.image_urls'] as const;

export const STATUS_TEXT: Record<Exclude<ProductStatus, ProductStatus.UNSPECIFIED>, StatusText> = {
  [ProductStatus.DRAFT]: 'DRAFT',
  [ProductStatus.ACTIVE]: 'ACTIVE',
  [ProductStatus.ARCHIVED]: 'ARCHIVED',
};

function checkSku(v: Violations, sku: string, field: string): void {
  if (sku === '') v.add(field, 'is required');
  else v.check(SKU.test(sku), field, 'must be 1-64 characters of A-Z, 0-9, ".", "_", "-", starting with a letter or digit');
}

function checkStatus(v: Violations, status: ProductStatus, field: string): StatusText | undefined {
  if (status === ProductStatus.UNSPECIFIED) return undefined;
  const text = STATUS_TEXT[status as keyof typeof STATUS_TEXT];
  v.check(text !== undefined, field, `unknown status ${status}`);
  return text;
}

function checkUrl(v: Violations, url: string, field: string): void {
  let ok = url.length <= MAX_URL;
  try {
    ok &&= new URL(url).protocol === 'https:';
  } catch {
    ok = false;
  }
  v.check(ok, field, `must be an https URL of at most ${MAX_URL} characters`);
}

function checkDetails(v: Violations, d: ProductDetails | undefined, field: string, parts = { description: true, attributes: true, imageUrls: true }): DetailsValue {
  const details: DetailsValue = { description: d?.description ?? '', attributes: { ...(d?.attributes ?? {}) }, imageUrls: [...(d?.imageUrls ?? [])] };
  if (parts.description) v.check([...details.description].length <= MAX_DESCRIPTION, `${field}.description`, `must be at most ${MAX_DESCRIPTION} characters`);
  if (parts.attributes) {
    const entries = Object.entries(details.attributes);
    v.check(entries.length <= MAX_ATTRIBUTES, `${field}.attributes`, `must have at most ${MAX_ATTRIBUTES} entries`);
    for (const [key, value] of entries) {
      const keyLength = [...key].length;
      // Cut by code points: half a surrogate pair in a status message cannot be sent.
      const shown = [...key].slice(0, 80).join('');
      v.check(keyLength > 0 && keyLength <= MAX_ATTRIBUTE_KEY, `${field}.attributes`, `key "${shown}" must be 1-${MAX_ATTRIBUTE_KEY} characters`);
      v.check([...value].length <= MAX_ATTRIBUTE_VALUE, `${field}.attributes[${shown}]`, `must be at most ${MAX_ATTRIBUTE_VALUE} characters`);
    }
  }
  if (parts.imageUrls) {
    v.check(details.imageUrls.length <= MAX_IMAGES, `${field}.image_urls`, `must have at most ${MAX_IMAGES} entries`);
    details.imageUrls.forEach((url, i) => checkUrl(v, url, `${field}.image_urls[${i}]`));
  }
  return details;
}

function moneyValue(m: { currencyCode: string; units: bigint; nanos: number }): MoneyValue {
  return { currencyCode: m.currencyCode, units: m.units, nanos: m.nanos };
}

function checkExpectedVersion(v: Violations, version: bigint): bigint | undefined {
  v.check(version >= 0n, 'expected_version', 'must not be negative');
  return version > 0n ? version : undefined;
}

export function parseCreate(req: CreateProductRequest): NewProduct {
  const v = new Violations();
  const p = req.product;
  if (p === undefined) return v.add('product', 'is required').fail();
  checkSku(v, p.sku, 'product.sku');
  v.requireText(p.name, 'product.name', 1, MAX_NAME);
  checkMoney(v, p.price, 'product.price');
  const status = checkStatus(v, p.status, 'product.status') ?? 'ACTIVE';
  v.check(status !== 'ARCHIVED', 'product.status', 'a new product cannot be archived');
  const details = checkDetails(v, p.details, 'product.details');
  v.throwIfAny();
  return { sku: p.sku, name: p.name.trim(), price: moneyValue(p.price!), status, details };
}

export function parseId(id: string, field = 'id'): string {
  const v = new Violations();
  v.requireUuid(id, field);
  v.throwIfAny();
  return id.toLowerCase();
}

export function parseSku(sku: string): string {
  const v = new Violations();
  checkSku(v, sku, 'sku');
  v.throwIfAny();
  return sku;
}

export function parseBatchGet(req: BatchGetProductsRequest): { ids: string[]; skus: string[] } {
  const v = new Violations();
  v.check(req.ids.length + req.skus.length > 0, 'ids', 'name at least one id or sku');
  v.check(req.ids.length <= MAX_BATCH, 'ids', `must have at most ${MAX_BATCH} entries`);
  v.check(req.skus.length <= MAX_BATCH, 'skus', `must have at most ${MAX_BATCH} entries`);
  req.ids.forEach((id, i) => v.requireUuid(id, `ids[${i}]`));
  req.skus.forEach((sku, i) => checkSku(v, sku, `skus[${i}]`));
  v.throwIfAny();
  return { ids: req.ids.map((id) => id.toLowerCase()), skus: [...req.skus] };
}

export interface ListInput {
  pageSize: number;
  status: StatusText;
  query: string;
}

export function parseList(req: ListProductsRequest, defaultPageSize: number, maxPageSize: number): ListInput {
  const v = new Violations();
  v.check(req.pageSize >= 0, 'page_size', 'must not be negative');
  v.check([...req.query].length <= MAX_QUERY, 'query', `must be at most ${MAX_QUERY} characters`);
  const status = checkStatus(v, req.status, 'status') ?? 'ACTIVE';
  v.throwIfAny();
  // AIP-158: a page size above the maximum is lowered to it, not refused.
  const pageSize = req.pageSize === 0 ? defaultPageSize : Math.min(req.pageSize, maxPageSize);
  return { pageSize, status, query: req.query.trim() };
}

export function parseUpdate(req: UpdateProductRequest): { id: string; changes: ProductChanges; expectedVersion: bigint | undefined } {
  const v = new Violations();
  const p = req.product;
  if (p === undefined) v.add('product', 'is required');
  const paths = req.updateMask?.paths ?? [];
  if (paths.length === 0) v.add('update_mask', 'must name at least one field');
  for (const path of paths) {
    v.check((UPDATABLE_PATHS as readonly string[]).includes(path), 'update_mask', `cannot update "${path}"; updatable: ${UPDATABLE_PATHS.join(', ')} (price has ChangePrice)`);
  }
  const expectedVersion = checkExpectedVersion(v, req.expectedVersion);
  if (p === undefined || !v.empty) return v.fail();
  v.requireUuid(p.id, 'product.id');
  const has = (path: string) => paths.includes(path);
  const changes: ProductChanges = {};
  if (has('name')) {
    if (v.requireText(p.name, 'product.name', 1, MAX_NAME)) changes.name = p.name.trim();
  }
  if (has('status')) {
    const status = checkStatus(v, p.status, 'product.status');
    if (v.check(status !== undefined, 'product.status', 'is required when update_mask names it') && status) changes.status = status;
  }
  const wholeDetails = has('details');
  const parts = { description: wholeDetails || has('details.description'), attributes: wholeDetails || has('details.attributes'), imageUrls: wholeDetails || has('details.image_urls') };
  const details = checkDetails(v, p.details, 'product.details', parts);
  if (parts.description) changes.description = details.description;
  if (parts.attributes) changes.attributes = details.attributes;
  if (parts.imageUrls) changes.imageUrls = details.imageUrls;
  v.throwIfAny();
  return { id: p.id.toLowerCase(), changes, expectedVersion };
}

export function parseChangePrice(req: ChangePriceRequest): { id: string; price: MoneyValue; expectedVersion: bigint | undefined } {
  const v = new Violations();
  v.requireUuid(req.id, 'id');
  checkMoney(v, req.price, 'price');
  const expectedVersion = checkExpectedVersion(v, req.expectedVersion);
  v.throwIfAny();
  return { id: req.id.toLowerCase(), price: moneyValue(req.price!), expectedVersion };
}
