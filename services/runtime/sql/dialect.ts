// Which SQL engine is on the other end (PostgreSQL or CockroachDB), read from SELECT version().

export type DialectKind = 'postgres' | 'cockroachdb';

export interface Dialect {
  kind: DialectKind;
  /** The engine's own version, e.g. "15.5" or "23.1.11". */
  version: string;
}

/** Anything that can run a query: a pg.Pool, a pg.Client, a Tx. */
export interface Queryable {
  query(text: string): Promise<{ rows: any[] }>;
}

// CockroachDB answers like "CockroachDB CCL v23.1.11 (x86_64-pc-linux-gnu, built ..., go1.19.10)";
// the distribution word (CCL, OSS) varies, so only the product name and the v-prefixed tag count.
const COCKROACH_PATTERN = /^CockroachDB\b.*?\bv(\d+\.\d+(?:\.\d+)?(?:-[0-9A-Za-z.-]+)?)/;
// PostgreSQL answers like "PostgreSQL 15.5 (Debian 15.5-1) on x86_64-pc-linux-gnu, compiled by ...";
// pre-releases read "PostgreSQL 17beta1 on ...".
const POSTGRES_PATTERN = /^PostgreSQL (\d+(?:\.\d+)*(?:(?:alpha|beta|rc|devel)\d*)?)/;

/** Parses the text of SELECT version(); throws on an engine this layer does not support. */
export function parseVersion(text: string): Dialect {
  const trimmed = text.trim();
  const cockroach = COCKROACH_PATTERN.exec(trimmed);
  if (cockroach?.[1] !== undefined) return { kind: 'cockroachdb', version: cockroach[1] };
  const postgres = POSTGRES_PATTERN.exec(trimmed);
  if (postgres?.[1] !== undefined) return { kind: 'postgres', version: postgres[1] };
  throw new Error(`unsupported database: SELECT version() returned ${JSON.stringify(trimmed.slice(0, 80))}`);
}

/** Asks the server which engine it is. */
export async function detectDialect(db: Queryable): Promise<Dialect> {
  const { rows } = await db.query('SELECT version() AS version');
  const version: unknown = rows[0]?.version;
  if (typeof version !== 'string') throw new Error('SELECT version() returned no text');
  return parseVersion(version);
}
