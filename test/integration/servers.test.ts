// The server launchers against the real Consul, NATS and PostgreSQL binaries from `make deps`.
import test from 'ava';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AckPolicy, connect, StringCodec } from 'nats';
import pg from 'pg';
import {
  isProcessAlive,
  startConsul,
  startNats,
  startPostgres,
  TEMP_DIR_PREFIX,
  type ServerHandle,
} from '../../scripts/servers/index.js';
import { eventually } from '../support/eventually.js';
import { useServers } from '../support/servers.js';

const servers = useServers(test, { consul: true, nats: true, postgres: true });

async function getJson(url: string, init?: RequestInit): Promise<unknown> {
  const response = await fetch(url, init);
  if (!response.ok) throw new Error(`${init?.method ?? 'GET'} ${url}: HTTP ${response.status}`);
  const text = await response.text();
  return text === '' ? undefined : JSON.parse(text);
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

test('consul - has a leader and Connect CA roots', async (t) => {
  const { httpAddr } = servers().consul;
  const leader = await getJson(`${httpAddr}/v1/status/leader`);
  t.regex(String(leader), /^127\.0\.0\.1:\d+$/);
  const roots = (await getJson(`${httpAddr}/v1/agent/connect/ca/roots`)) as { Roots: { RootCert: string }[] };
  t.true(roots.Roots.length >= 1);
  t.true(roots.Roots[0]!.RootCert.includes('BEGIN CERTIFICATE'));
});

test('consul - a registered service shows up in the catalog', async (t) => {
  const { httpAddr } = servers().consul;
  await getJson(`${httpAddr}/v1/agent/service/register`, {
    method: 'PUT',
    body: JSON.stringify({ Name: 'orders', ID: 'orders-1', Address: '127.0.0.1', Port: 50051, Tags: ['grpc'] }),
  });
  // The agent syncs its local services into the catalog asynchronously (anti-entropy).
  const catalog = await eventually(
    async () => {
      const services = (await getJson(`${httpAddr}/v1/catalog/services`)) as Record<string, string[]>;
      return 'orders' in services ? services : undefined;
    },
    15_000,
    'orders in the catalog',
  );
  t.deepEqual(catalog['orders'], ['grpc']);
  const instances = (await getJson(`${httpAddr}/v1/catalog/service/orders`)) as { ServicePort: number }[];
  t.is(instances[0]?.ServicePort, 50051);
});

test('nats - JetStream stores, dedupes by msgID and delivers through a consumer', async (t) => {
  const nc = await connect({ servers: servers().nats.url });
  try {
    const sc = StringCodec();
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: 'ORDERS', subjects: ['orders.>'] });
    const js = nc.jetstream();
    const first = await js.publish('orders.created', sc.encode('order 1'), { msgID: 'order-1' });
    const again = await js.publish('orders.created', sc.encode('order 1'), { msgID: 'order-1' });
    t.false(first.duplicate);
    t.true(again.duplicate);
    t.is(again.seq, first.seq);

    await jsm.consumers.add('ORDERS', { durable_name: 'reader', ack_policy: AckPolicy.Explicit });
    const consumer = await js.consumers.get('ORDERS', 'reader');
    const msg = await consumer.next({ expires: 5_000 });
    t.is(msg && sc.decode(msg.data), 'order 1');
    t.is(msg?.headers?.get('Nats-Msg-Id'), 'order-1');
    msg?.ack();
    t.is((await jsm.streams.info('ORDERS')).state.messages, 1);
  } finally {
    await nc.drain();
  }
});

test('postgres - answers SELECT version() through pg', async (t) => {
  const postgres = servers().postgres;
  const [row] = await query<{ version: string }>(postgres.urlFor('postgres'), 'SELECT version()');
  t.regex(row!.version, new RegExp(`^PostgreSQL ${postgres.majorVersion}\\.`));
});

test('postgres - createDatabase is idempotent', async (t) => {
  const postgres = servers().postgres;
  const url = await postgres.createDatabase('shop-orders');
  t.is(url, postgres.urlFor('shop-orders'));
  t.is(await postgres.createDatabase('shop-orders'), url);
  await Promise.all([postgres.createDatabase('shop_race'), postgres.createDatabase('shop_race')]);
  const [row] = await query<{ db: string }>(url, 'SELECT current_database() AS db');
  t.is(row!.db, 'shop-orders');
  const dbs = await query<{ n: string }>(
    postgres.urlFor('postgres'),
    "SELECT count(*) AS n FROM pg_database WHERE datname IN ('shop-orders', 'shop_race')",
  );
  t.is(Number(dbs[0]!.n), 2);
});

test('postgres - is ready for a streaming replica', async (t) => {
  const postgres = servers().postgres;
  const rows = await query<{ name: string; setting: string }>(
    postgres.urlFor('postgres'),
    "SELECT name, setting FROM pg_settings WHERE name IN ('wal_level', 'max_wal_senders') ORDER BY name",
  );
  t.is(rows.find((r) => r.name === 'wal_level')?.setting, 'replica');
  t.true(Number(rows.find((r) => r.name === 'max_wal_senders')?.setting) > 0);
  // A replication connection is what pg_basebackup makes: pg_hba must let it in.
  const client = new pg.Client({ connectionString: postgres.urlFor('postgres'), replication: 'database' } as pg.ClientConfig);
  await client.connect();
  try {
    const result = await client.query('IDENTIFY_SYSTEM');
    t.is(result.rows.length, 1);
  } finally {
    await client.end();
  }
});

// stop() of each server: process gone, temp folder removed, and a second stop() is a no-op.
for (const [name, start] of [
  ['consul', () => startConsul()],
  ['nats', () => startNats()],
  ['postgres', () => startPostgres()],
] as const) {
  test(`${name} - stop() ends the process and removes the temp folder`, async (t) => {
    const server: ServerHandle = await start();
    t.teardown(() => server.stop()); // in case an assertion fails first
    t.true(isProcessAlive(server.pid));
    t.true(server.dir.startsWith(join(tmpdir(), `${TEMP_DIR_PREFIX}${name}-`)));
    t.true(existsSync(server.logFile));
    await server.stop();
    t.false(isProcessAlive(server.pid));
    t.false(existsSync(server.dir));
    await t.notThrowsAsync(server.stop());
  });
}

test('postgres - a persistent dataDir keeps a table across stop and start', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'shopmesh-persist-'));
  try {
    const first = await startPostgres({ dataDir });
    try {
      await query(first.urlFor('postgres'), "CREATE TABLE kept (id int); INSERT INTO kept VALUES (42)");
    } finally {
      await first.stop();
    }
    t.true(existsSync(join(dataDir, 'data', 'PG_VERSION')), 'stop() keeps a dataDir');

    const second = await startPostgres({ dataDir });
    try {
      const rows = await query<{ id: number }>(second.urlFor('postgres'), 'SELECT id FROM kept');
      t.deepEqual(rows, [{ id: 42 }]);
      const [fsync] = await query<{ fsync: string }>(second.urlFor('postgres'), 'SHOW fsync');
      t.is(fsync!.fsync, 'on', 'a persistent instance keeps fsync on');
    } finally {
      await second.stop();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('nats - a persistent dataDir keeps a JetStream stream across stop and start', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'shopmesh-persist-'));
  try {
    const first = await startNats({ dataDir });
    try {
      const nc = await connect({ servers: first.url });
      const jsm = await nc.jetstreamManager();
      await jsm.streams.add({ name: 'KEPT', subjects: ['kept.>'] });
      await nc.jetstream().publish('kept.one', StringCodec().encode('1'));
      await nc.drain();
    } finally {
      await first.stop();
    }
    const second = await startNats({ dataDir });
    try {
      const nc = await connect({ servers: second.url });
      const info = await (await nc.jetstreamManager()).streams.info('KEPT');
      await nc.drain();
      t.is(info.state.messages, 1);
    } finally {
      await second.stop();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

// A start that fails says why, quotes the server's log, and leaves no temp folder behind.
for (const [name, start] of [
  ['nats', (port: number) => startNats({ port })],
  ['postgres', (port: number) => startPostgres({ port })],
] as const) {
  test(`${name} - a start on a taken port fails with the log tail and leaves nothing behind`, async (t) => {
    const squatter = createServer().listen(0, '127.0.0.1');
    await once(squatter, 'listening');
    try {
      const error = await t.throwsAsync(start((squatter.address() as AddressInfo).port));
      t.regex(error!.message, new RegExp(`^${name} failed to start`));
      t.regex(error!.message, /address already in use/i);
      const logFile = /last lines of (\S+):/.exec(error!.message)?.[1];
      t.truthy(logFile, 'the message quotes the log');
      t.false(existsSync(join(logFile!, '..')), 'the temp folder is removed');
    } finally {
      squatter.close();
    }
  });
}

// The watchdogs: a test worker that is SIGKILLed must not leave servers or temp folders behind.
const LAUNCHERS = fileURLToPath(new URL('../../scripts/servers/index.ts', import.meta.url));
const ORPHAN_SCRIPT = `
  const { startConsul, startNats, startPostgres } = await import(${JSON.stringify(LAUNCHERS)});
  const all = await Promise.all([startConsul(), startNats(), startPostgres()]);
  console.log(JSON.stringify(all.map((s) => ({ pid: s.pid, dir: s.dir }))));
  setInterval(() => {}, 1_000);
`;

test('servers - die with a SIGKILLed owner, temp folders and all', async (t) => {
  const owner = spawn(process.execPath, ['--import=tsx', '--input-type=module', '-e', ORPHAN_SCRIPT], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.teardown(() => {
    owner.kill('SIGKILL');
  });
  let out = '';
  owner.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  await eventually(() => out.includes('\n') || undefined, 60_000, 'the owner to report its servers');
  const started = JSON.parse(out) as { pid: number; dir: string }[];
  t.is(started.length, 3);
  t.true(started.every((s) => isProcessAlive(s.pid) && existsSync(s.dir)));

  owner.kill('SIGKILL');
  await eventually(() => started.every((s) => !isProcessAlive(s.pid)) || undefined, 15_000, 'the orphaned servers to die');
  await eventually(() => started.every((s) => !existsSync(s.dir)) || undefined, 15_000, 'their temp folders to go');
  t.pass();
});
