// Opaque page tokens for keyset (cursor) pagination, bound to the filters they were made for.
import { createHash } from 'node:crypto';
import { invalidArgument } from './errors/index.js';

interface TokenBody {
  /** The sort key of the last item returned. */
  k: unknown[];
  /** Hash of the filters, so a token cannot be replayed against other filters (AIP-158). */
  f: string;
}

function filterHash(filter: unknown): string {
  return createHash('sha256').update(JSON.stringify(filter)).digest('base64url').slice(0, 16);
}

export function encodePageToken(lastKey: unknown[], filter: unknown): string {
  const body: TokenBody = { k: lastKey, f: filterHash(filter) };
  return Buffer.from(JSON.stringify(body)).toString('base64url');
}

/** The key to continue after, or undefined for the first page; INVALID_ARGUMENT for a bad token. */
export function decodePageToken(token: string, filter: unknown, field = 'page_token'): unknown[] | undefined {
  if (token === '') return undefined;
  let body: TokenBody;
  try {
    body = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as TokenBody;
  } catch {
    throw invalidArgument([{ field, description: 'is not a token this service issued' }]);
  }
  if (!body || !Array.isArray(body.k) || typeof body.f !== 'string') {
    throw invalidArgument([{ field, description: 'is not a token this service issued' }]);
  }
  if (body.f !== filterHash(filter)) {
    throw invalidArgument([{ field, description: 'was issued for other filters; send the same filters as the first page' }]);
  }
  return body.k;
}
