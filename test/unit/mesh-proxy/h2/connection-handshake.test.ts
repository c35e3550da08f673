// Preface, SETTINGS, PING, timeouts and frame batching of H2Connection, driven with raw frames.
import test from 'ava';
import {
  CLIENT_PREFACE,
  ErrorCode,
  Flag,
  FrameType,
  H2Error,
  SettingId,
} from '../../../../mesh-proxy/src/h2/index.js';
import { FakeClock } from '../../../support/fake-clock.js';
import { closedWith, harness, openClient, openServer } from './harness.js';
import { GRPC_REQUEST, frame, settings } from './raw-peer.js';

test('h2 handshake - the server sends SETTINGS and the connection WINDOW_UPDATE at once, then ACKs the client SETTINGS', async (t) => {
  const { conn, peer } = harness(t, 'server');
  await peer.settle();
  const ours = await peer.next(FrameType.SETTINGS, (f) => (f.flags & Flag.ACK) === 0);
  const values = new Map<number, number>();
  for (let p = 0; p < ours.payload.length; p += 6) values.set(ours.payload.readUInt16BE(p), ours.payload.readUInt32BE(p + 2));
  t.is(values.get(SettingId.MAX_CONCURRENT_STREAMS), 1000);
  t.is(values.get(SettingId.INITIAL_WINDOW_SIZE), 1024 * 1024);
  t.is(values.get(SettingId.MAX_FRAME_SIZE), 16384);
  t.is(values.get(SettingId.MAX_HEADER_LIST_SIZE), 64 * 1024);
  t.is(values.get(SettingId.ENABLE_PUSH), 0);
  t.is(values.get(SettingId.HEADER_TABLE_SIZE), 4096);
  const wu = await peer.next(FrameType.WINDOW_UPDATE);
  t.is(wu.streamId, 0);
  t.is(wu.payload.readUInt32BE(0), 16 * 1024 * 1024 - 65535);
  t.is(peer.frames.filter((f) => f.type === FrameType.SETTINGS && f.flags === Flag.ACK).length, 0, 'nothing to ACK yet');

  peer.handshake([[SettingId.MAX_FRAME_SIZE, 20000]]);
  await conn.ready;
  await peer.next(FrameType.SETTINGS, (f) => f.flags === Flag.ACK);
});

test('h2 handshake - the client sends the 24-octet preface first', async (t) => {
  const { peer } = harness(t, 'client');
  await peer.settle();
  // RawPeer(expectPreface) strips the preface and would throw on anything else.
  t.true(peer.received >= CLIENT_PREFACE.length + 9);
  t.is(peer.frames[0]?.type, FrameType.SETTINGS);
});

test('h2 handshake - a server refuses a connection that does not start with the preface: GOAWAY PROTOCOL_ERROR, ready rejects', async (t) => {
  const h = harness(t, 'server');
  h.peer.send(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
  await t.throwsAsync(h.conn.ready);
  t.is((await h.peer.goaway()).code, ErrorCode.PROTOCOL_ERROR);
  const err = await closedWith(h);
  t.is((err as H2Error).code, ErrorCode.PROTOCOL_ERROR);
  await h.conn.closed;
});

test('h2 handshake - the first frame after the preface must be SETTINGS', async (t) => {
  const h = harness(t, 'server');
  h.peer.send(CLIENT_PREFACE, frame(FrameType.PING, 0, 0, Buffer.alloc(8)));
  t.is((await h.peer.goaway()).code, ErrorCode.PROTOCOL_ERROR);
  await t.throwsAsync(h.conn.ready);
});

test('h2 handshake - SETTINGS of a wrong length, on a stream, or with bad values are connection errors', async (t) => {
  const cases: Array<[Buffer, number]> = [
    [frame(FrameType.SETTINGS, 0, 0, Buffer.alloc(5)), ErrorCode.FRAME_SIZE_ERROR],
    [frame(FrameType.SETTINGS, 0, 1, Buffer.alloc(0)), ErrorCode.PROTOCOL_ERROR],
    [settings([[SettingId.ENABLE_PUSH, 2]]), ErrorCode.PROTOCOL_ERROR],
    [settings([[SettingId.INITIAL_WINDOW_SIZE, 2 ** 31]]), ErrorCode.FLOW_CONTROL_ERROR],
    [settings([[SettingId.MAX_FRAME_SIZE, 16383]]), ErrorCode.PROTOCOL_ERROR],
    [settings([[SettingId.MAX_FRAME_SIZE, 2 ** 24]]), ErrorCode.PROTOCOL_ERROR],
    [frame(FrameType.SETTINGS, Flag.ACK, 0, Buffer.alloc(6)), ErrorCode.FRAME_SIZE_ERROR],
  ];
  for (const [bad, code] of cases) {
    const h = await openServer(t);
    h.peer.send(bad);
    t.is((await h.peer.goaway()).code, code, bad.toString('hex'));
  }
});

test('h2 handshake - a client refuses SETTINGS_ENABLE_PUSH 1 from a server', async (t) => {
  const h = await openClient(t);
  h.peer.send(settings([[SettingId.ENABLE_PUSH, 1]]));
  t.is((await h.peer.goaway()).code, ErrorCode.PROTOCOL_ERROR);
});

test('h2 handshake - PING is answered with a PING ACK carrying the same 8 octets; an ACK is not answered', async (t) => {
  const { peer } = await openServer(t);
  const opaque = Buffer.from('01234567');
  peer.send(frame(FrameType.PING, Flag.ACK, 0, Buffer.from('ignoreme')), frame(FrameType.PING, 0, 0, opaque));
  const ack = await peer.next(FrameType.PING);
  t.is(ack.flags, Flag.ACK);
  t.true(ack.payload.equals(opaque));
  await peer.settle();
  t.is(peer.of(FrameType.PING).length, 1);
});

test('h2 handshake - PING of the wrong size or on a stream is a connection error', async (t) => {
  const a = await openServer(t);
  a.peer.send(frame(FrameType.PING, 0, 0, Buffer.alloc(7)));
  t.is((await a.peer.goaway()).code, ErrorCode.FRAME_SIZE_ERROR);
  const b = await openServer(t);
  b.peer.send(frame(FrameType.PING, 0, 1, Buffer.alloc(8)));
  t.is((await b.peer.goaway()).code, ErrorCode.PROTOCOL_ERROR);
});

test('h2 handshake - our SETTINGS not acknowledged in time: GOAWAY SETTINGS_TIMEOUT (fake clock)', async (t) => {
  const clock = new FakeClock();
  const h = harness(t, 'server', { clock, limits: { settingsAckTimeoutMs: 5000 } });
  h.peer.send(CLIENT_PREFACE, settings()); // no ACK of ours
  await h.conn.ready;
  await clock.advance(4999);
  t.is(h.peer.of(FrameType.GOAWAY).length, 0);
  await clock.advance(1);
  t.is((await h.peer.goaway()).code, ErrorCode.SETTINGS_TIMEOUT);
});

test('h2 handshake - acknowledged SETTINGS stop the timeout', async (t) => {
  const clock = new FakeClock();
  const h = harness(t, 'server', { clock, limits: { settingsAckTimeoutMs: 5000 } });
  h.peer.handshake();
  await h.conn.ready;
  await h.peer.settle();
  await clock.advance(10_000);
  await h.peer.settle();
  t.is(h.peer.of(FrameType.GOAWAY).length, 0);
  t.is(h.rec.of('close').length, 0);
});

test('h2 handshake - unknown frame types are ignored, also on streams', async (t) => {
  const { peer, rec } = await openServer(t);
  peer.send(frame(0x42, 0xff, 0, Buffer.from('x')), frame(0xfa, 0, 7, Buffer.alloc(100)));
  peer.send(peer.headers(1, GRPC_REQUEST, Flag.END_HEADERS | Flag.END_STREAM));
  await rec.next('headers');
  t.is(peer.of(FrameType.GOAWAY).length, 0);
});

test('h2 handshake - an idle connection is closed gracefully after idleTimeoutMs (fake clock)', async (t) => {
  const clock = new FakeClock();
  const h = await openServer(t, { clock, limits: { idleTimeoutMs: 60_000 } });
  h.peer.send(h.peer.headers(1, GRPC_REQUEST, Flag.END_HEADERS | Flag.END_STREAM));
  await h.rec.next('headers');
  await clock.advance(60_000);
  await h.peer.settle();
  t.is(h.peer.of(FrameType.GOAWAY).length, 0, 'a stream is open: not idle');
  h.conn.sendHeaders(1, [[':status', '200']], true);
  await h.peer.settle();
  await clock.advance(59_000);
  t.is(h.peer.of(FrameType.GOAWAY).length, 0);
  await clock.advance(1_000);
  await clock.advance(1_000);
  const g = await h.peer.goaway();
  t.is(g.code, ErrorCode.NO_ERROR);
  t.is(g.debug, 'idle');
});

test('h2 handshake - the answers to frames read in one chunk leave in one socket write', async (t) => {
  const { peer } = await openServer(t);
  const before = peer.chunks;
  peer.send(...Array.from({ length: 10 }, (_, i) => frame(FrameType.PING, 0, 0, Buffer.alloc(8, i))));
  await peer.settle();
  t.is(peer.of(FrameType.PING).length, 10);
  t.is(peer.chunks - before, 1);
});
