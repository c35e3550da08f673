// Malformed input from a raw TCP peer: each case ends in GOAWAY with the right code (or a stream reset), never an escaping exception.
import test, { type ExecutionContext } from 'ava';
import net from 'node:net';
import { ErrorCode, Flag, FrameType, H2Error, errorCodeName } from '../../../../mesh-proxy/src/h2/index.js';
import { HpackEncoder } from '../../../../mesh-proxy/src/h2/hpack/index.js';
import { EngineClient, EngineServer } from './engine-apps.js';
import { guardUncaught } from './node-peer.js';
import { GRPC_REQUEST, RawPeer, frame, settings, u32 } from './raw-peer.js';

const uncaught = guardUncaught();
const H = Flag.END_HEADERS;
const ES = Flag.END_STREAM;

async function engineServer(t: ExecutionContext) {
  const listening = await EngineServer.listen({ limits: { lingerMs: 200 } });
  t.teardown(async () => {
    for (const h of listening.handlers) for (const c of h.conns) c.close();
    await new Promise((r) => listening.server.close(r));
  });
  return listening;
}

/** A raw TCP client of the engine server that has done the handshake. */
async function rawClient(t: ExecutionContext, port: number, handshake = true): Promise<{ peer: RawPeer; socket: net.Socket; closed: Promise<void> }> {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise((r) => socket.once('connect', r));
  const closed = new Promise<void>((r) => socket.once('close', () => r()));
  t.teardown(() => {
    socket.destroy();
  });
  const peer = new RawPeer(socket, false);
  if (handshake) peer.handshake();
  return { peer, socket, closed };
}

const block = () => new HpackEncoder().encode(GRPC_REQUEST);

const connectionErrors: Array<[string, () => Buffer[], number]> = [
  ['garbage after the preface and SETTINGS', () => [Buffer.from('xxxxxxxxxxxxxxxxxxxxxxxx')], ErrorCode.FRAME_SIZE_ERROR],
  ['a frame longer than SETTINGS_MAX_FRAME_SIZE', () => [frame(FrameType.DATA, 0, 1, Buffer.alloc(16385))], ErrorCode.FRAME_SIZE_ERROR],
  ['PING of 7 octets', () => [frame(FrameType.PING, 0, 0, Buffer.alloc(7))], ErrorCode.FRAME_SIZE_ERROR],
  ['SETTINGS of 5 octets', () => [frame(FrameType.SETTINGS, 0, 0, Buffer.alloc(5))], ErrorCode.FRAME_SIZE_ERROR],
  ['RST_STREAM of 3 octets', () => [frame(FrameType.RST_STREAM, 0, 1, Buffer.alloc(3))], ErrorCode.FRAME_SIZE_ERROR],
  ['WINDOW_UPDATE of 5 octets', () => [frame(FrameType.WINDOW_UPDATE, 0, 0, Buffer.alloc(5))], ErrorCode.FRAME_SIZE_ERROR],
  ['GOAWAY of 4 octets', () => [frame(FrameType.GOAWAY, 0, 0, Buffer.alloc(4))], ErrorCode.FRAME_SIZE_ERROR],
  ['padded HEADERS without a pad length', () => [frame(FrameType.HEADERS, H | Flag.PADDED, 1)], ErrorCode.FRAME_SIZE_ERROR],
  ['HEADERS on stream 0', () => [frame(FrameType.HEADERS, H, 0, block())], ErrorCode.PROTOCOL_ERROR],
  ['HEADERS on an even stream', () => [frame(FrameType.HEADERS, H, 2, block())], ErrorCode.PROTOCOL_ERROR],
  ['DATA on stream 0', () => [frame(FrameType.DATA, 0, 0, Buffer.from('x'))], ErrorCode.PROTOCOL_ERROR],
  ['DATA on an idle stream', () => [frame(FrameType.DATA, 0, 5, Buffer.from('x'))], ErrorCode.PROTOCOL_ERROR],
  ['SETTINGS on a stream', () => [frame(FrameType.SETTINGS, 0, 1)], ErrorCode.PROTOCOL_ERROR],
  ['PING on a stream', () => [frame(FrameType.PING, 0, 1, Buffer.alloc(8))], ErrorCode.PROTOCOL_ERROR],
  ['GOAWAY on a stream', () => [frame(FrameType.GOAWAY, 0, 3, Buffer.alloc(8))], ErrorCode.PROTOCOL_ERROR],
  ['RST_STREAM on stream 0', () => [frame(FrameType.RST_STREAM, 0, 0, u32(8))], ErrorCode.PROTOCOL_ERROR],
  ['WINDOW_UPDATE on an idle stream', () => [frame(FrameType.WINDOW_UPDATE, 0, 7, u32(1))], ErrorCode.PROTOCOL_ERROR],
  ['CONTINUATION without HEADERS', () => [frame(FrameType.CONTINUATION, H, 1, block())], ErrorCode.PROTOCOL_ERROR],
  ['DATA inside a header block', () => [frame(FrameType.HEADERS, 0, 1, block()), frame(FrameType.DATA, 0, 1, Buffer.from('x'))], ErrorCode.PROTOCOL_ERROR],
  ['HEADERS of another stream inside a header block', () => [frame(FrameType.HEADERS, 0, 1, block()), frame(FrameType.HEADERS, H, 3, block())], ErrorCode.PROTOCOL_ERROR],
  ['CONTINUATION of another stream', () => [frame(FrameType.HEADERS, 0, 1, block()), frame(FrameType.CONTINUATION, H, 3)], ErrorCode.PROTOCOL_ERROR],
  ['PUSH_PROMISE from a client', () => [frame(FrameType.PUSH_PROMISE, H, 1, Buffer.concat([u32(2), block()]))], ErrorCode.PROTOCOL_ERROR],
  ['a header block that is not HPACK', () => [frame(FrameType.HEADERS, H, 1, Buffer.alloc(20, 0xff))], ErrorCode.COMPRESSION_ERROR],
  ['a stream id lower than the last one', () => [frame(FrameType.HEADERS, H | ES, 5, block()), frame(FrameType.HEADERS, H | ES, 3, block())], ErrorCode.PROTOCOL_ERROR],
];

for (const [label, make, code] of connectionErrors) {
  test(`h2 malformed input - ${label}: GOAWAY ${errorCodeName(code)}, socket closed`, async (t) => {
    const { port, handlers } = await engineServer(t);
    const { peer, closed } = await rawClient(t, port);
    peer.send(...make());
    t.is((await peer.goaway()).code, code);
    await closed;
    const err = handlers[0]!.closeErrors[0];
    t.true(err instanceof H2Error, String(err));
    t.is((err as H2Error).code, code);
    uncaught.check(t);
  });
}

test('h2 malformed input - an HTTP/1.1 request instead of the preface is PROTOCOL_ERROR', async (t) => {
  const { port, handlers } = await engineServer(t);
  const { peer, closed } = await rawClient(t, port, false);
  peer.send(Buffer.from('GET / HTTP/1.1\r\nHost: example\r\n\r\n'));
  t.is((await peer.goaway()).code, ErrorCode.PROTOCOL_ERROR);
  await closed;
  t.is((handlers[0]!.closeErrors[0] as H2Error).code, ErrorCode.PROTOCOL_ERROR);
  uncaught.check(t);
});

test('h2 malformed input - a client that goes away mid-frame closes the connection quietly', async (t) => {
  const { port, handlers } = await engineServer(t);
  const { peer, socket } = await rawClient(t, port);
  peer.send(frame(FrameType.HEADERS, H, 1, block()).subarray(0, 12));
  await new Promise((r) => setTimeout(r, 20));
  socket.destroy();
  await handlers[0]!.conns[0]!.closed;
  t.is(handlers[0]!.closeErrors.length, 1);
  uncaught.check(t);
});

test('h2 malformed input - our client role refuses a server that opens streams or sends garbage', async (t) => {
  for (const [bad, code] of [
    [frame(FrameType.HEADERS, H, 2, block()), ErrorCode.PROTOCOL_ERROR],
    [frame(FrameType.HEADERS, H, 1, block()), ErrorCode.PROTOCOL_ERROR], // idle: we opened nothing
    [Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n'), ErrorCode.FRAME_SIZE_ERROR],
  ] as const) {
    let peer: RawPeer | undefined;
    const server = net.createServer((socket) => {
      peer = new RawPeer(socket, true);
      peer.send(settings(), settings([], Flag.ACK), bad);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    const client = await EngineClient.connect(port).catch(() => undefined);
    while (peer === undefined) await new Promise((r) => setTimeout(r, 5));
    t.is((await peer.goaway()).code, code);
    if (client !== undefined) await client.conn.closed;
    peer.socket.destroy();
    await new Promise((r) => server.close(r));
  }
  uncaught.check(t);
});

/** A deterministic PRNG (mulberry32), so a failing sequence can be replayed. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

test('h2 malformed input - 300 random frame sequences: the engine closes with an H2Error or carries on, never fails inside', async (t) => {
  const { port, handlers } = await engineServer(t);
  const ids = [0, 1, 2, 3, 5, 7, 0x7fffffff];
  for (let seed = 1; seed <= 300; seed++) {
    const random = prng(seed);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
    const encoder = new HpackEncoder();
    const chunks: Buffer[] = [];
    for (let i = 0; i < 12; i++) {
      const r = random();
      if (r < 0.25) {
        chunks.push(frame(FrameType.HEADERS, pick([H, H | ES, 0, H | Flag.PADDED, H | Flag.PRIORITY]), pick(ids), encoder.encode(GRPC_REQUEST)));
      } else if (r < 0.9) {
        const payload = Buffer.from(Array.from({ length: Math.floor(random() * 24) }, () => Math.floor(random() * 256)));
        chunks.push(frame(Math.floor(random() * 12), Math.floor(random() * 256), pick(ids), payload));
      } else {
        chunks.push(Buffer.from(Array.from({ length: Math.floor(random() * 16) }, () => Math.floor(random() * 256))));
      }
    }
    const { peer, socket, closed } = await rawClient(t, port);
    peer.send(...chunks);
    await Promise.race([closed, new Promise((r) => setTimeout(r, 30))]);
    socket.destroy();
    await closed;
  }
  await new Promise((r) => setTimeout(r, 100));
  const errors = handlers.flatMap((h) => h.closeErrors);
  const inside = errors.filter((e) => e !== undefined && !(e instanceof H2Error));
  const internal = errors.filter((e) => e instanceof H2Error && e.code === ErrorCode.INTERNAL_ERROR);
  t.deepEqual(
    [...inside, ...internal].map((e) => e?.stack),
    [],
    'every close is a protocol verdict or the peer leaving, never our own failure',
  );
  t.true(errors.filter((e) => e instanceof H2Error).length > 200, 'most random sequences are refused');
  uncaught.check(t);
});
