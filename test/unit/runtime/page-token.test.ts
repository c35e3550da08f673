import test from 'ava';
import { Code, ServiceError } from '../../../services/runtime/errors/index.js';
import { decodePageToken, encodePageToken } from '../../../services/runtime/page-token.js';

const filter = { status: 'ACTIVE', query: 'mug' };

test('page token - round trip gives back the last key', (t) => {
  const token = encodePageToken(['Blue mug', '0b6f8c2e-5d1a-4c3b-9e7f-2a1b3c4d5e6f'], filter);
  t.regex(token, /^[A-Za-z0-9_-]+$/, 'URL-safe');
  t.deepEqual(decodePageToken(token, { status: 'ACTIVE', query: 'mug' }), ['Blue mug', '0b6f8c2e-5d1a-4c3b-9e7f-2a1b3c4d5e6f']);
});

test('page token - an empty token means the first page', (t) => {
  t.is(decodePageToken('', filter), undefined);
});

for (const [label, token] of [
  ['garbage', '!!not a token!!'],
  ['base64 of non-JSON', Buffer.from('hello').toString('base64url')],
  ['JSON without a key', Buffer.from('{"f":"abc"}').toString('base64url')],
  ['JSON null', Buffer.from('null').toString('base64url')],
  ['JSON number', Buffer.from('5').toString('base64url')],
] as const) {
  test(`page token - ${label} is INVALID_ARGUMENT on page_token`, (t) => {
    const err = t.throws(() => decodePageToken(token, filter), { instanceOf: ServiceError });
    t.is(err?.code, Code.INVALID_ARGUMENT);
    t.deepEqual(err?.violations, [{ field: 'page_token', description: 'is not a token this service issued' }]);
  });
}

test('page token - a token made for other filters is INVALID_ARGUMENT', (t) => {
  const token = encodePageToken(['a', 'b'], filter);
  const err = t.throws(() => decodePageToken(token, { status: 'DRAFT', query: 'mug' }), { instanceOf: ServiceError });
  t.is(err?.code, Code.INVALID_ARGUMENT);
  t.deepEqual(err?.violations, [
    { field: 'page_token', description: 'was issued for other filters; send the same filters as the first page' },
  ]);
});

test('page token - the violation names the field given', (t) => {
  const err = t.throws(() => decodePageToken('!!', filter, 'reviews_page_token'), { instanceOf: ServiceError });
  t.is(err?.violations[0]?.field, 'reviews_page_token');
  t.regex(err?.message ?? '', /^reviews_page_token: /);
});
