import test from 'ava';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { freePort } from '../../../../scripts/servers/index.js';
import { ConsulClient, ConsulError, consulOptionsFromEnv, normalizeAddress } from '../../../../mesh-proxy/src/discovery/index.js';
import { FakeAgent } from './fake-agent.js';

test('consul client - sends the token as X-Consul-Token, the query, and reads X-Consul-Index and ContentHash', async (t) => {
  const agent = new FakeAgent();
  const call = agent.client('s3cr3t').get('/v1/health/connect/inventory', { query: { passing: 1, index: 7, dc: undefined } });
  const req = await agent.next();
  t.is(req.headers.get('X-Consul-Token'), 's3cr3t');
  t.is(req.url.pathname, '/v1/health/connect/inventory');
  t.deepEqual([...req.url.searchParams], [['passing', '1'], ['index', '7']]);
  req.reply({ body: [{ a: 1 }], index: 42, hash: 'abc' });
  t.deepEqual(await call, { status: 200, body: [{ a: 1 }], index: 42, contentHash: 'abc' });
});

test('consul client - no token, no header', async (t) => {
  const agent = new FakeAgent();
  const call = agent.client().get('/v1/agent/services');
  const req = await agent.next();
  t.false(req.headers.has('X-Consul-Token'));
  req.reply({ body: {} });
  t.is((await call).index, undefined);
});

test('consul client - an unreachable agent: the error names the call, the address and the errno', async (t) => {
  const port = await freePort();
  const client = new ConsulClient({ address: `http://127.0.0.1:${port}`, requestTimeoutMs: 2000 });
  const err = await t.throwsAsync(client.get('/v1/health/connect/catalog', { query: { index: 5 } }), { instanceOf: ConsulError });
  t.is(err.message, `consul GET /v1/health/connect/catalog at http://127.0.0.1:${port}: ECONNREFUSED`);
  t.deepEqual(err.failure, { kind: 'network', code: 'ECONNREFUSED' });
  t.is(err.status, undefined);
});

test('consul client - an HTTP error carries the status and the body', async (t) => {
  const agent = new FakeAgent();
  const call = agent.client().get('/v1/agent/service/nope');
  (await agent.next()).reply({ status: 404, body: 'unknown service ID: nope' });
  const err = await t.throwsAsync(call, { instanceOf: ConsulError });
  t.is(err.status, 404);
  t.is(err.message, 'consul GET /v1/agent/service/nope at http://127.0.0.1:8500: HTTP 404: unknown service ID: nope');
});

test('consul client - a body that is not JSON is a decode failure', async (t) => {
  const agent = new FakeAgent();
  const call = agent.client().get('/v1/agent/services');
  (await agent.next()).reply({ body: '<html>' });
  const err = await t.throwsAsync(call, { instanceOf: ConsulError });
  t.is(err.failure.kind, 'decode');
  t.regex(err.message, /^consul GET \/v1\/agent\/services at http:\/\/127\.0\.0\.1:8500: unreadable answer: /);
});

test('consul client - a request that hangs fails after its timeout, naming it', async (t) => {
  const server = createServer(() => {
    /* never answers */
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  const address = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new ConsulClient({ address, requestTimeoutMs: 100 });
  const started = Date.now();
  const err = await t.throwsAsync(client.get('/v1/agent/services'), { instanceOf: ConsulError });
  t.is(err.message, `consul GET /v1/agent/services at ${address}: no answer within 100 ms`);
  t.true(Date.now() - started < 2000);
  const longer = client.get('/v1/agent/services', { timeoutMs: 150 });
  await t.throwsAsync(longer, { message: /no answer within 150 ms/ });
});

test('consul client - the caller aborting rejects with its own reason, not a ConsulError', async (t) => {
  const agent = new FakeAgent();
  const abort = new AbortController();
  const call = agent.client().get('/v1/health/connect/x', { signal: abort.signal });
  await agent.next();
  const reason = new Error('shutting down');
  abort.abort(reason);
  t.is(await t.throwsAsync(call), reason);
});

test('consul client - PUT sends JSON', async (t) => {
  const agent = new FakeAgent();
  const call = agent.client().put('/v1/agent/service/register', { ID: 'x' });
  const req = await agent.next();
  t.is(req.method, 'PUT');
  t.is(req.headers.get('Content-Type'), 'application/json');
  req.reply({});
  t.is((await call).body, undefined);
});

test('consul address - the CLI forms of CONSUL_HTTP_ADDR, and the default', (t) => {
  t.is(normalizeAddress(undefined), 'http://127.0.0.1:8500');
  t.is(normalizeAddress(''), 'http://127.0.0.1:8500');
  t.is(normalizeAddress('127.0.0.1:18500'), 'http://127.0.0.1:18500');
  t.is(normalizeAddress('consul.local:8501', 'true'), 'https://consul.local:8501');
  t.is(normalizeAddress('http://10.0.0.1:8500/'), 'http://10.0.0.1:8500');
  t.throws(() => normalizeAddress('unix:///var/run/consul.sock'), { message: /unix sockets are not supported/ });
  t.throws(() => normalizeAddress('ftp://x'), { message: /expected http or https/ });
  t.deepEqual(consulOptionsFromEnv({ CONSUL_HTTP_ADDR: '127.0.0.1:9', CONSUL_HTTP_TOKEN: 'tok' }), { address: 'http://127.0.0.1:9', token: 'tok' });
  t.deepEqual(consulOptionsFromEnv({}), { address: 'http://127.0.0.1:8500', token: '' });
});
