import test from 'ava';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConsulAgentClient, ConsulError } from '../../../../services/runtime/consul/index.js';
import { freePort } from '../../../../scripts/servers/index.js';

interface Seen {
  method: string;
  url: string;
  token: string | undefined;
  body: string;
}

/** A stand-in agent that records requests and answers with `reply`. */
async function agent(t: { teardown(fn: () => void): void }, reply: (req: IncomingMessage) => [number, string]) {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, token: req.headers['x-consul-token'] as string | undefined, body });
      const [status, text] = reply(req);
      res.writeHead(status).end(text);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => server.close());
  return { seen, address: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

test('consul client - sends the ACL token as X-Consul-Token and the registration as JSON', async (t) => {
  const a = await agent(t, () => [200, '']);
  const client = new ConsulAgentClient({ address: a.address, token: 's3cr3t', requestTimeoutMs: 1000 });
  await client.registerService({ ID: 'catalog-1', Name: 'catalog' } as never);
  await client.deregisterService('catalog 1');
  t.deepEqual(
    a.seen.map((s) => [s.method, s.url, s.token]),
    [
      ['PUT', '/v1/agent/service/register?replace-existing-checks=true', 's3cr3t'],
      ['PUT', '/v1/agent/service/deregister/catalog%201', 's3cr3t'],
    ],
  );
  t.deepEqual(JSON.parse(a.seen[0]!.body), { ID: 'catalog-1', Name: 'catalog' });
});

test('consul client - no token, no header; a 404 service is undefined; other errors carry status and body', async (t) => {
  const a = await agent(t, (req) => (req.url!.includes('missing') ? [404, 'unknown service'] : [403, 'Permission denied']));
  const client = new ConsulAgentClient({ address: a.address, token: '', requestTimeoutMs: 1000 });
  t.is(await client.getService('missing'), undefined);
  t.is(a.seen[0]!.token, undefined);
  const err = await t.throwsAsync(client.registerService({ ID: 'x' } as never), { instanceOf: ConsulError });
  t.is(err.status, 403);
  t.regex(err.message, /register: HTTP 403: Permission denied/);
});

test('consul client - a request that hangs fails after requestTimeoutMs', async (t) => {
  const server = createServer(() => {
    /* never answers */
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => server.closeAllConnections());
  t.teardown(() => server.close());
  const client = new ConsulAgentClient({ address: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, token: '', requestTimeoutMs: 200 });
  const started = Date.now();
  const err = await t.throwsAsync(client.getService('x'));
  t.regex(err.message, /consul GET \/v1\/agent\/service\/x at http:\/\/127\.0\.0\.1:\d+: no answer within 200 ms/);
  t.true(Date.now() - started < 2000);
});

test('consul client - an agent that is not there is named with the network error', async (t) => {
  const port = await freePort();
  const client = new ConsulAgentClient({ address: `http://127.0.0.1:${port}`, token: '', requestTimeoutMs: 1000 });
  const err = await t.throwsAsync(client.getService('x'));
  t.is(err.message, `consul GET /v1/agent/service/x at http://127.0.0.1:${port}: ECONNREFUSED`);
});
