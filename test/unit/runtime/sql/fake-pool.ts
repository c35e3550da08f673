// A scripted stand-in for pg.Pool: every connect() hands out a client that records its queries.
import type pg from 'pg';
import type { TransactionClient, TransactionPool } from '../../../../services/runtime/sql/transaction.js';

/** An error shaped like pg's DatabaseError: what the code under test looks at is `code`. */
export function pgError(code: string, message = `error ${code}`): Error & { code: string } {
  return Object.assign(new Error(message), { code });
}

/**
 * Decides how a statement behaves: throw to fail, return rows/rowCount to shape the result.
 * `client` is the 0-based index of the client, or -1 for pool.query().
 */
export type Script = (text: string, client: number, values?: unknown[]) => void | { rows?: any[]; rowCount?: number };

/** One statement as the fake database saw it, in the order they arrived. */
export interface JournalEntry {
  client: number;
  text: string;
}

async function run(script: Script, journal: JournalEntry[], client: number, text: string, values?: unknown[]): Promise<pg.QueryResult<any>> {
  journal.push({ client, text });
  const shaped = script(text, client, values) ?? {};
  const rows = shaped.rows ?? [];
  return { rows, rowCount: shaped.rowCount ?? rows.length, command: text.trim().split(/\s/)[0] ?? '', oid: 0, fields: [] };
}

export class FakeClient implements TransactionClient {
  readonly queries: string[] = [];
  /** undefined until released; then what release() got (undefined = returned to the pool). */
  released: { err: Error | boolean | undefined } | undefined;

  constructor(
    private readonly index: number,
    private readonly script: Script,
    private readonly journal: JournalEntry[],
  ) {}

  async query(text: string, values?: unknown[]): Promise<pg.QueryResult<any>> {
    this.queries.push(text);
    return run(this.script, this.journal, this.index, text, values);
  }

  release(err?: Error | boolean): void {
    if (this.released !== undefined) throw new Error('released twice');
    this.released = { err };
  }
}

export class FakePool implements TransactionPool {
  readonly clients: FakeClient[] = [];
  readonly journal: JournalEntry[] = [];

  constructor(private readonly script: Script = () => {}) {}

  async connect(): Promise<FakeClient> {
    const client = new FakeClient(this.clients.length, this.script, this.journal);
    this.clients.push(client);
    return client;
  }

  /** Like pg.Pool.query: a statement on some connection, outside any explicit transaction. */
  async query(text: string, values?: unknown[]): Promise<pg.QueryResult<any>> {
    return run(this.script, this.journal, -1, text, values);
  }
}
