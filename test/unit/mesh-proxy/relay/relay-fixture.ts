// The relay in-process over loopback TCP: a scripted client (our engine) → Listener + InboundForwarder → a scripted upstream (our engine).
// No sidecar process and no Consul: what the relay does with each frame, observable on both sides, on the clock a test gives it.
import type { ExecutionContext } from 'ava';
import { connect, createServer, type Server } from 'node:net';
import { systemClock, type Clock } from '../../../../mesh-proxy/src/clock.js';
import { H2Connection, type H2ConnectionOptions, type HeaderList } from '../../../../mesh-proxy/src/h2/index.js';
import { InboundForwarder } from '../../../../mesh-proxy/src/inbound/forwarder.js';
import { tcpDialer } from '../../../../mesh-proxy/src/pool/dialer.js';
import { EndpointPool } from '../../../../mesh-proxy/src/pool/endpoint-pool.js';
import { NO_OBSERVER } from '../../../../mesh-proxy/src/relay/call-observer.js';
import { Listener } from '../../../../mesh-proxy/src/relay/listener.js';
import { Recorder } from '../h2/recorder.js';

export interface RelayFixture {
  /** The caller's connection to the relay, and what it received. */
  client: H2Connection;
  fromRelay: Recorder;
  /** What the upstream received; its connection (the first one the relay opened). */
  atUpstream: Recorder;
  upstream(): H2Connection;
  listener: Listener;
}

export interface RelayFixtureOptions {
  /** The relay's clock (deadlines). */
  clock?: Clock;
  /** Settings of the client and upstream engines (e.g. small windows). */
  clientH2?: Omit<H2ConnectionOptions, 'role'>;
  upstreamH2?: Omit<H2ConnectionOptions, 'role'>;
}

export const REQUEST: HeaderList = [
  [':method', 'POST'],
  [':scheme', 'http'],
  [':path', '/shopmesh.test.Echo/Unary'],
  [':authority', 'echo'],
  ['content-type', 'application/grpc'],
  ['te', 'trailers'],
];

export async function relayFixture(t: ExecutionContext, o: RelayFixtureOptions = {}): Promise<RelayFixture> {
  const clock = o.clock ?? systemClock;
  const atUpstream = new Recorder();
  const upstreams: H2Connection[] = [];
  const server: Server = createServer((socket) => {
    const conn = new H2Connection(socket, atUpstream, { ...o.upstreamH2, role: 'server' });
    upstreams.push(conn);
    conn.start();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const upstreamPort = (server.address() as { port: number }).port;

  const pool = new EndpointPool('local', '127.0.0.1', upstreamPort, { dialer: tcpDialer, connectTimeoutMs: 1000 });
  const listener = new Listener({ host: '127.0.0.1', port: 0, clock, factory: new InboundForwarder({ pool, service: 'fake', clock, observer: NO_OBSERVER }) });
  const port = await listener.listen();

  const fromRelay = new Recorder();
  const socket = connect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const client = new H2Connection(socket, fromRelay, { ...o.clientH2, role: 'client' });
  client.start();
  await client.ready;

  t.teardown(async () => {
    client.close();
    await listener.close(0);
    pool.close();
    for (const c of upstreams) c.close();
    await new Promise((r) => server.close(r));
  });
  return {
    client,
    fromRelay,
    atUpstream,
    upstream: () => {
      const c = upstreams[0];
      if (c === undefined) throw new Error('the relay has not connected upstream yet');
      return c;
    },
    listener,
  };
}

/** Value of a header by name. */
export function header(headers: HeaderList | undefined, name: string): string | undefined {
  return headers?.find((h) => h[0] === name)?.[1];
}
