// validateHeaders: what RFC 9113 §8.2-8.3 calls malformed, and messages that never carry values.
import test from 'ava';
import { ErrorCode, H2Error, type HeaderKind, type HeaderList, validateHeaders } from '../../../../mesh-proxy/src/h2/index.js';

const facts = () => ({ status: -1, contentLength: -2 });
const REQUEST: HeaderList = [
  [':method', 'POST'],
  [':scheme', 'https'],
  [':authority', 'order:443'],
  [':path', '/shop.order.v1.OrderService/PlaceOrder'],
  ['content-type', 'application/grpc'],
  ['te', 'trailers'],
  ['grpc-timeout', '1S'],
];

test('h2 header validation - a gRPC request, response and trailers pass; facts are filled', (t) => {
  const f = facts();
  validateHeaders('request', REQUEST, f);
  t.deepEqual(f, { status: 0, contentLength: -1 });
  validateHeaders('response', [[':status', '200'], ['content-type', 'application/grpc'], ['content-length', '12']], f);
  t.deepEqual(f, { status: 200, contentLength: 12 });
  validateHeaders('trailers', [['grpc-status', '0'], ['grpc-message', '']], f);
  validateHeaders('request', [[':method', 'CONNECT'], [':authority', 'db:5432']], f);
  t.pass();
});

const bad: Array<[string, HeaderKind, HeaderList]> = [
  ['upper-case name', 'request', [...REQUEST, ['Grpc-Timeout', '1S']]],
  ['space in a name', 'request', [...REQUEST, ['x y', '1']]],
  ['empty name', 'request', [...REQUEST, ['', '1']]],
  ['non-ASCII name', 'request', [...REQUEST, ['x-\u00e9', '1']]],
  ['pseudo after regular', 'request', [...REQUEST.slice(4), ...REQUEST.slice(0, 4)]],
  ['duplicate :path', 'request', [...REQUEST.slice(0, 4), [':path', '/x'], ...REQUEST.slice(4)]],
  ['unknown pseudo', 'request', [[':protocol', 'websocket'], ...REQUEST]],
  ['missing :method', 'request', REQUEST.slice(1)],
  ['missing :scheme', 'request', REQUEST.filter(([n]) => n !== ':scheme')],
  ['empty :path', 'request', REQUEST.map(([n, v]) => [n, n === ':path' ? '' : v] as [string, string])],
  ['CONNECT with :path', 'request', [[':method', 'CONNECT'], [':authority', 'db:5432'], [':path', '/']]],
  ['connection', 'request', [...REQUEST, ['connection', 'close']]],
  ['keep-alive', 'request', [...REQUEST, ['keep-alive', '5']]],
  ['proxy-connection', 'request', [...REQUEST, ['proxy-connection', 'x']]],
  ['transfer-encoding', 'request', [...REQUEST, ['transfer-encoding', 'chunked']]],
  ['upgrade', 'request', [...REQUEST, ['upgrade', 'h2c']]],
  ['te: gzip', 'request', [...REQUEST, ['te', 'gzip']]],
  ['NUL in a value', 'request', [...REQUEST, ['x', 'a\0b']]],
  ['LF in a value', 'request', [...REQUEST, ['x', 'a\nb']]],
  ['leading space in a value', 'request', [...REQUEST, ['x', ' a']]],
  ['trailing tab in a value', 'request', [...REQUEST, ['x', 'a\t']]],
  ['content-length not a number', 'request', [...REQUEST, ['content-length', '1e3']]],
  ['two content-lengths', 'request', [...REQUEST, ['content-length', '1'], ['content-length', '2']]],
  ['response without :status', 'response', [['content-type', 'application/grpc']]],
  [':status not three digits', 'response', [[':status', '20']]],
  ['request pseudo in a response', 'response', [[':status', '200'], [':path', '/']]],
  ['pseudo in trailers', 'trailers', [[':status', '200'], ['grpc-status', '0']]],
];

for (const [label, kind, headers] of bad) {
  test(`h2 header validation - ${label} is malformed (PROTOCOL_ERROR)`, (t) => {
    const err = t.throws(() => validateHeaders(kind, headers, facts()), { instanceOf: H2Error });
    t.is(err?.code, ErrorCode.PROTOCOL_ERROR);
  });
}

test('h2 header validation - messages name the field, never carry a value', (t) => {
  const err = t.throws(() => validateHeaders('request', [...REQUEST, ['authorization', 'Bearer secret\r\n']], facts()));
  t.regex(err?.message ?? '', /authorization/);
  t.notRegex(err?.message ?? '', /secret/);
});
