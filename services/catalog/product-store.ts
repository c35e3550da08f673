// catalog's SQL: products (hot core) and product_details (cold), every row scoped to a tenant.
import type pg from 'pg';
import { withTransaction, isUniqueViolation, type Tx } from '../runtime/sql/index.js';
import type { Clock } from '../runtime/clock.js';
import { productNotFound, skuTaken, versionMismatch } from './errors.js';

export type StatusText = 'DRAFT' | 'ACTIVE' | 'ARCHIVED';

export interface MoneyValue {
  currencyCode: string;
  units: bigint;
  nanos: number;
}

export interface DetailsValue {
  description: string;
  attributes: Record<string, string>;
  imageUrls: string[];
}

export interface ProductRecord {
  id: string;
  sku: string;
  name: string;
  price: MoneyValue;
  status: StatusText;
  version: bigint;
  createdAt: Date;
  updatedAt: Date;
  /** Present when read with details. */
  details?: DetailsValue;
}

export interface NewProduct {
  sku: string;
  name: string;
  price: MoneyValue;
  status: StatusText;
  details: DetailsValue;
}

export interface ProductChanges {
  name?: string;
  status?: StatusText;
  description?: string;
  attributes?: Record<string, string>;
  imageUrls?: string[];
}

export interface ListQuery {
  status: StatusText;
  /** Case-insensitive substring of the name; empty for all. */
  nameContains: string;
  /** Continue after this (name, id). */
  after: [string, string] | undefined;
  limit: number;
}

const CORE = 'p.id, p.sku, p.name, p.price_currency, p.price_units, p.price_nanos, p.status, p.version, p.created_at, p.updated_at';
const WITH_DETAILS = `${CORE}, d.description, d.attributes, d.image_urls`;
const JOIN_DETAILS = 'LEFT JOIN product_details d ON d.tenant_id = p.tenant_id AND d.product_id = p.id';

interface Row {
  id: string;
  sku: string;
  name: string;
  price_currency: string;
  price_units: string;
  price_nanos: number;
  status: StatusText;
  version: string;
  created_at: Date;
  updated_at: Date;
  description?: string | null;
  attributes?: Record<string, string> | null;
  image_urls?: string[] | null;
}

function toRecord(row: Row): ProductRecord {
  const record: ProductRecord = {
    id: row.id,
    sku: row.sku,
    name: row.name,
    price: { currencyCode: row.price_currency, units: BigInt(row.price_units), nanos: row.price_nanos },
    status: row.status,
    version: BigInt(row.version),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
  if ('description' in row) {
    record.details = { description: row.description ?? '', attributes: row.attributes ?? {}, imageUrls: row.image_urls ?? [] };
  }
  return record;
}

/** LIKE pattern matching `text` literally anywhere. */
function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** What a store call needs of the gRPC call it serves: when to give up. */
export interface CallScope {
  signal: AbortSignal;
  /** The caller's deadline (epoch ms); bounds every SQL statement. */
  deadline: number | undefined;
}

export class ProductStore {
  constructor(
    private readonly pool: pg.Pool,
    private readonly clock: Clock,
    /** The pool's statement_timeout, which a caller's deadline may only shorten. */
    private readonly statementTimeoutMs: number,
  ) {}

  private tx<T>(fn: (tx: Tx) => Promise<T>, scope: CallScope, readOnly = false): Promise<T> {
    return withTransaction(this.pool, fn, {
      signal: scope.signal,
      readOnly,
      clock: this.clock,
      statementTimeoutMs: this.statementTimeoutMs,
      ...(scope.deadline === undefined ? {} : { deadline: scope.deadline }),
    });
  }

  create(tenant: string, p: NewProduct, scope: CallScope): Promise<ProductRecord> {
    return this.tx(async (tx) => {
      let inserted: pg.QueryResult<Row>;
      try {
        inserted = await tx.query<Row>(
          `INSERT INTO products AS p (tenant_id, sku, name, price_currency, price_units, price_nanos, status)
           VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${CORE}`,
          [tenant, p.sku, p.name, p.price.currencyCode, p.price.units.toString(), p.price.nanos, p.status],
        );
      } catch (err) {
        if (isUniqueViolation(err)) throw skuTaken(p.sku);
        throw err;
      }
      const row = inserted.rows[0]!;
      await tx.query(
        `INSERT INTO product_details (tenant_id, product_id, description, attributes, image_urls) VALUES ($1, $2, $3, $4, $5)`,
        [tenant, row.id, p.details.description, JSON.stringify(p.details.attributes), JSON.stringify(p.details.imageUrls)],
      );
      return { ...toRecord(row), details: p.details };
    }, scope);
  }

  get(tenant: string, id: string, scope: CallScope): Promise<ProductRecord> {
    return this.tx((tx) => this.read(tx, tenant, 'id', id), scope, true);
  }

  getBySku(tenant: string, sku: string, scope: CallScope): Promise<ProductRecord> {
    return this.tx((tx) => this.read(tx, tenant, 'sku', sku), scope, true);
  }

  /** Core fields of the products found by id or sku, in no particular order. */
  batchGet(tenant: string, ids: string[], skus: string[], scope: CallScope): Promise<ProductRecord[]> {
    return this.tx(async (tx) => {
      const { rows } = await tx.query<Row>(
        `SELECT ${CORE} FROM products p WHERE p.tenant_id = $1 AND (p.id = ANY($2::uuid[]) OR p.sku = ANY($3::text[])) ORDER BY p.sku`,
        [tenant, ids, skus],
      );
      return rows.map(toRecord);
    }, scope, true);
  }

  /** One page of core fields, ordered by (name, id); asks for limit rows. */
  list(tenant: string, q: ListQuery, scope: CallScope): Promise<ProductRecord[]> {
    return this.tx(async (tx) => {
      const values: unknown[] = [tenant, q.status];
      let where = 'p.tenant_id = $1 AND p.status = $2';
      if (q.nameContains !== '') {
        values.push(containsPattern(q.nameContains));
        where += ` AND p.name ILIKE $${values.length}`;
      }
      if (q.after) {
        values.push(q.after[0], q.after[1]);
        where += ` AND (p.name, p.id) > ($${values.length - 1}, $${values.length}::uuid)`;
      }
      values.push(q.limit);
      const { rows } = await tx.query<Row>(`SELECT ${CORE} FROM products p WHERE ${where} ORDER BY p.name, p.id LIMIT $${values.length}`, values);
      return rows.map(toRecord);
    }, scope, true);
  }

  update(tenant: string, id: string, changes: ProductChanges, expectedVersion: bigint | undefined, scope: CallScope): Promise<ProductRecord> {
    return this.tx(async (tx) => {
      await this.lockAtVersion(tx, tenant, id, expectedVersion);
      const core: string[] = [];
      const values: unknown[] = [tenant, id];
      if (changes.name !== undefined) core.push(`name = $${values.push(changes.name)}`);
      if (changes.status !== undefined) core.push(`status = $${values.push(changes.status)}`);
      await tx.query(`UPDATE products SET ${[...core, 'version = version + 1', 'updated_at = now()'].join(', ')} WHERE tenant_id = $1 AND id = $2`, values);
      const details: string[] = [];
      const dv: unknown[] = [tenant, id];
      if (changes.description !== undefined) details.push(`description = $${dv.push(changes.description)}`);
      if (changes.attributes !== undefined) details.push(`attributes = $${dv.push(JSON.stringify(changes.attributes))}`);
      if (changes.imageUrls !== undefined) details.push(`image_urls = $${dv.push(JSON.stringify(changes.imageUrls))}`);
      if (details.length > 0) await tx.query(`UPDATE product_details SET ${details.join(', ')} WHERE tenant_id = $1 AND product_id = $2`, dv);
      return this.read(tx, tenant, 'id', id);
    }, scope);
  }

  changePrice(tenant: string, id: string, price: MoneyValue, expectedVersion: bigint | undefined, scope: CallScope): Promise<ProductRecord> {
    return this.tx(async (tx) => {
      await this.lockAtVersion(tx, tenant, id, expectedVersion);
      await tx.query(
        `UPDATE products SET price_currency = $3, price_units = $4, price_nanos = $5, version = version + 1, updated_at = now()
         WHERE tenant_id = $1 AND id = $2`,
        [tenant, id, price.currencyCode, price.units.toString(), price.nanos],
      );
      return this.read(tx, tenant, 'id', id);
    }, scope);
  }

  /** Locks the row (SELECT FOR UPDATE works on both databases) and checks its version. */
  private async lockAtVersion(tx: Tx, tenant: string, id: string, expected: bigint | undefined): Promise<void> {
    const { rows } = await tx.query<{ version: string }>('SELECT version FROM products WHERE tenant_id = $1 AND id = $2 FOR UPDATE', [tenant, id]);
    if (rows[0] === undefined) throw productNotFound(id);
    const actual = BigInt(rows[0].version);
    if (expected !== undefined && expected !== actual) throw versionMismatch(expected, actual);
  }

  /** One product with its details, by id or sku; NOT_FOUND (also for another tenant's product). */
  private async read(tx: Tx, tenant: string, by: 'id' | 'sku', value: string): Promise<ProductRecord> {
    const { rows } = await tx.query<Row>(`SELECT ${WITH_DETAILS} FROM products p ${JOIN_DETAILS} WHERE p.tenant_id = $1 AND p.${by} = $2`, [tenant, value]);
    if (rows[0] === undefined) throw productNotFound(by === 'id' ? value : `with sku "${value}"`);
    return toRecord(rows[0]);
  }
}
