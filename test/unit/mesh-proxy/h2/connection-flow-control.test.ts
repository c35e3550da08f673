// Flow control of H2Connection both ways (RFC 9113 §5.2, §6.9), driven with raw frames.
import test from 'ava';
import { ErrorCode, Flag, FrameType, MAX_INT31, SettingId } from '../../../../mesh-proxy/src/h2/index.js';
import { type Harness, openServer } from './harness.js';
import { GRPC_REQUEST, frame, settings, u32 } from './raw-peer.js';

/** A request on stream 1 (not ended), answered with response headers, so both sides may send DATA. */
async function withStream(h: Harness, id = 1): Promise<void> {
  h.peer.send(h.peer.headers(id, GRPC_REQUEST, Flag.END_HEADERS));
  await h.rec.next('headers', (e) => e.id === id);
  h.conn.sendHeaders(id, [[':status', '200']], false);
}

const dataFrames = (h: Harness, id: number) => h.peer.of(FrameType.DATA, id);
const sent = (h: Harness, id: number) => dataFrames(h, id).reduce((n, f) => n + f.payload.length, 0);

test('h2 flow control - sendData takes no more than the stream window; a stream WINDOW_UPDATE brings onWritable', async (t) => {
  const h = await openServer(t, {}, [[SettingId.INITIAL_WINDOW_SIZE, 100]]);
  await withStream(h);
  t.is(h.conn.sendData(1, Buffer.alloc(300, 1), true), 100);
  t.is(h.conn.sendData(1, Buffer.alloc(200, 1), true), 0);
  await h.peer.settle();
  t.is(sent(h, 1), 100);
  t.false(dataFrames(h, 1).some((f) => f.flags & Flag.END_STREAM), 'END_STREAM only with the last octet');
  h.peer.send(frame(FrameType.WINDOW_UPDATE, 0, 1, u32(50)));
  await h.rec.next('writable', (e) => e.id === 1);
  t.is(h.conn.sendData(1, Buffer.alloc(200, 1), true), 50);
});

test('h2 flow control - the connection send window bounds all streams; a connection WINDOW_UPDATE wakes the blocked ones', async (t) => {
  const h = await openServer(t, {}, [[SettingId.INITIAL_WINDOW_SIZE, MAX_INT31]]);
  await withStream(h, 1);
  await withStream(h, 3);
  t.is(h.conn.sendData(1, Buffer.alloc(60_000), false), 60_000);
  t.is(h.conn.sendData(3, Buffer.alloc(10_000), false), 5535, 'what is left of 65535');
  t.is(h.conn.sendData(1, Buffer.alloc(10), false), 0);
  await h.peer.settle();
  t.true(dataFrames(h, 1).every((f) => f.payload.length <= 16384), 'split by the peer max frame size');
  h.peer.send(frame(FrameType.WINDOW_UPDATE, 0, 0, u32(1000)));
  await h.rec.until(() => h.rec.of('writable').length === 2, 'both streams writable');
  t.deepEqual(
    h.rec.of('writable').map((e) => e.id).sort(),
    [1, 3],
  );
});

test('h2 flow control - WINDOW_UPDATE of 0: stream error PROTOCOL_ERROR on a stream, connection error on stream 0', async (t) => {
  const h = await openServer(t);
  await withStream(h);
  h.peer.send(frame(FrameType.WINDOW_UPDATE, 0, 1, u32(0)));
  t.is(await h.peer.rst(1), ErrorCode.PROTOCOL_ERROR);
  t.deepEqual((await h.rec.next('reset')).code, ErrorCode.PROTOCOL_ERROR);
  t.is(h.peer.of(FrameType.GOAWAY).length, 0);
  h.peer.send(frame(FrameType.WINDOW_UPDATE, 0, 0, u32(0)));
  t.is((await h.peer.goaway()).code, ErrorCode.PROTOCOL_ERROR);
});

test('h2 flow control - a window beyond 2^31-1: FLOW_CONTROL_ERROR for the stream, or for the connection', async (t) => {
  const h = await openServer(t);
  await withStream(h);
  h.peer.send(frame(FrameType.WINDOW_UPDATE, 0, 1, u32(MAX_INT31)));
  t.is(await h.peer.rst(1), ErrorCode.FLOW_CONTROL_ERROR);
  h.peer.send(frame(FrameType.WINDOW_UPDATE, 0, 0, u32(MAX_INT31 - 65535)));
  await h.peer.settle();
  t.is(h.peer.of(FrameType.GOAWAY).length, 0, 'exactly 2^31-1 is allowed');
  h.peer.send(frame(FrameType.WINDOW_UPDATE, 0, 0, u32(1)));
  t.is((await h.peer.goaway()).code, ErrorCode.FLOW_CONTROL_ERROR);
});

test('h2 flow control - WINDOW_UPDATE with a wrong length is FRAME_SIZE_ERROR; on an idle stream PROTOCOL_ERROR', async (t) => {
  const a = await openServer(t);
  a.peer.send(frame(FrameType.WINDOW_UPDATE, 0, 0, Buffer.alloc(3)));
  t.is((await a.peer.goaway()).code, ErrorCode.FRAME_SIZE_ERROR);
  const b = await openServer(t);
  b.peer.send(frame(FrameType.WINDOW_UPDATE, 0, 9, u32(10)));
  t.is((await b.peer.goaway()).code, ErrorCode.PROTOCOL_ERROR);
});

test('h2 flow control - a change of SETTINGS_INITIAL_WINDOW_SIZE moves every open stream window, below zero too', async (t) => {
  const h = await openServer(t, {}, [[SettingId.INITIAL_WINDOW_SIZE, 100]]);
  await withStream(h);
  t.is(h.conn.sendData(1, Buffer.alloc(150), false), 100);
  h.peer.send(settings([[SettingId.INITIAL_WINDOW_SIZE, 50]])); // window: 0 - 50 = -50
  h.peer.send(frame(FrameType.WINDOW_UPDATE, 0, 1, u32(30))); // -20
  await h.peer.next(FrameType.SETTINGS, (f) => f.flags === Flag.ACK && h.peer.of(FrameType.SETTINGS).filter((x) => x.flags === Flag.ACK).length >= 2);
  await h.peer.settle();
  t.is(h.conn.sendData(1, Buffer.alloc(50), false), 0, 'still negative');
  t.is(h.rec.of('writable').length, 0);
  h.peer.send(settings([[SettingId.INITIAL_WINDOW_SIZE, 80]])); // -20 + 30 = 10
  await h.rec.next('writable');
  t.is(h.conn.sendData(1, Buffer.alloc(50), false), 10);
});

test('h2 flow control - a SETTINGS_INITIAL_WINDOW_SIZE change that pushes a stream window past 2^31-1 is FLOW_CONTROL_ERROR', async (t) => {
  const h = await openServer(t);
  await withStream(h);
  h.peer.send(frame(FrameType.WINDOW_UPDATE, 0, 1, u32(MAX_INT31 - 65535)));
  h.peer.send(settings([[SettingId.INITIAL_WINDOW_SIZE, 65536]]));
  t.is((await h.peer.goaway()).code, ErrorCode.FLOW_CONTROL_ERROR);
});

test('h2 flow control - DATA beyond the stream window we granted is a stream FLOW_CONTROL_ERROR', async (t) => {
  const h = await openServer(t, { settings: { initialWindowSize: 1000 } });
  await withStream(h);
  h.peer.send(frame(FrameType.DATA, 0, 1, Buffer.alloc(1000)));
  await h.rec.next('data');
  h.peer.send(frame(FrameType.DATA, 0, 1, Buffer.alloc(1)));
  t.is(await h.peer.rst(1), ErrorCode.FLOW_CONTROL_ERROR);
  t.is((await h.rec.next('reset')).code, ErrorCode.FLOW_CONTROL_ERROR);
  t.is(h.rec.of('data').length, 1);
});

test('h2 flow control - DATA beyond the connection window we granted is a connection FLOW_CONTROL_ERROR', async (t) => {
  const h = await openServer(t, { connectionWindow: 65535 });
  await withStream(h, 1);
  await withStream(h, 3);
  for (let i = 0; i < 3; i++) h.peer.send(frame(FrameType.DATA, 0, 1, Buffer.alloc(16384)));
  h.peer.send(frame(FrameType.DATA, 0, 3, Buffer.alloc(16384))); // 65536 in all
  t.is((await h.peer.goaway()).code, ErrorCode.FLOW_CONTROL_ERROR);
  t.is(h.rec.of('data').length, 3);
});

test('h2 flow control - our window smaller than 65535 is enforced only once the peer acknowledged it', async (t) => {
  const h = await openServer(t, { settings: { initialWindowSize: 1000 } });
  // openServer ACKed already; a fresh peer that has not must be allowed the default 65535.
  t.truthy(h);
  const { harness } = await import('./harness.js');
  const early = harness(t, 'server', { settings: { initialWindowSize: 1000 } });
  early.peer.send(Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1'), settings());
  early.peer.send(early.peer.headers(1, GRPC_REQUEST, Flag.END_HEADERS));
  early.peer.send(frame(FrameType.DATA, 0, 1, Buffer.alloc(5000)));
  await early.rec.next('data');
  await early.peer.settle();
  t.is(early.peer.of(FrameType.RST_STREAM).length, 0, 'within the default window the peer may assume');
  early.peer.send(settings([], Flag.ACK)); // now 1000 applies: 1000 - 5000 < 0
  early.peer.send(frame(FrameType.DATA, 0, 1, Buffer.alloc(1)));
  t.is(await early.peer.rst(1), ErrorCode.FLOW_CONTROL_ERROR);
});

test('h2 flow control - consume returns credit in batches: one WINDOW_UPDATE once half a window is owed', async (t) => {
  const h = await openServer(t, { settings: { initialWindowSize: 65535 }, connectionWindow: 131_072 });
  await withStream(h);
  const handshakeUpdates = h.peer.of(FrameType.WINDOW_UPDATE).length;
  h.peer.send(frame(FrameType.DATA, 0, 1, Buffer.alloc(16000)), frame(FrameType.DATA, 0, 1, Buffer.alloc(16000)));
  await h.rec.until(() => h.rec.of('data').length === 2, 'two DATA');
  h.conn.consume(1, 16000);
  h.conn.consume(1, 16000);
  await h.peer.settle();
  const updates = () => h.peer.of(FrameType.WINDOW_UPDATE).slice(handshakeUpdates);
  t.is(updates().filter((f) => f.streamId === 1).length, 0, '32000 < 65535/2');
  h.peer.send(frame(FrameType.DATA, 0, 1, Buffer.alloc(1000)));
  await h.rec.until(() => h.rec.of('data').length === 3, 'third DATA');
  h.conn.consume(1, 1000);
  await h.peer.settle();
  const streamUpdates = updates().filter((f) => f.streamId === 1);
  t.is(streamUpdates.length, 1);
  t.is(streamUpdates[0]!.payload.readUInt32BE(0), 33000);
  // The connection window (131072) is owed 33000: not yet half.
  t.is(updates().filter((f) => f.streamId === 0).length, 0);
  h.peer.send(frame(FrameType.DATA, 0, 1, Buffer.alloc(16384)), frame(FrameType.DATA, 0, 1, Buffer.alloc(16384)));
  await h.rec.until(() => h.rec.of('data').length === 5, 'more DATA');
  h.conn.consume(1, 32768);
  await h.peer.settle();
  const connUpdates = updates().filter((f) => f.streamId === 0);
  t.is(connUpdates.length, 1);
  t.is(connUpdates[0]!.payload.readUInt32BE(0), 65768);
});

test('h2 flow control - a peer cannot send beyond our window without consume(): a slow consumer holds it back', async (t) => {
  const h = await openServer(t, { settings: { initialWindowSize: 65535 } });
  await withStream(h);
  for (let i = 0; i < 3; i++) h.peer.send(frame(FrameType.DATA, 0, 1, Buffer.alloc(16384)));
  h.peer.send(frame(FrameType.DATA, 0, 1, Buffer.alloc(65535 - 3 * 16384)));
  await h.rec.until(() => h.rec.of('data').length === 4, 'all DATA');
  await h.peer.settle();
  t.is(h.peer.of(FrameType.WINDOW_UPDATE, 1).length, 0, 'nothing consumed, no credit');
  h.conn.consume(1, 65535);
  await h.peer.settle();
  t.is(h.peer.of(FrameType.WINDOW_UPDATE, 1)[0]?.payload.readUInt32BE(0), 65535);
});

test('h2 flow control - padded DATA: the handler gets the data only, the padding is credited at once', async (t) => {
  const h = await openServer(t, { settings: { initialWindowSize: 200 } });
  await withStream(h);
  const payload = Buffer.concat([Buffer.from([150]), Buffer.from('abc'), Buffer.alloc(150)]);
  h.peer.send(frame(FrameType.DATA, Flag.PADDED, 1, payload));
  const e = await h.rec.next('data');
  t.is(e.data.toString(), 'abc');
  await h.peer.settle();
  const update = h.peer.of(FrameType.WINDOW_UPDATE, 1)[0];
  t.is(update?.payload.readUInt32BE(0), 151, 'pad length octet and padding come back without consume()');
});

test('h2 flow control - padding as long as the frame is a connection PROTOCOL_ERROR', async (t) => {
  const h = await openServer(t);
  await withStream(h);
  h.peer.send(frame(FrameType.DATA, Flag.PADDED, 1, Buffer.from([4, 1, 2, 3])));
  t.is((await h.peer.goaway()).code, ErrorCode.PROTOCOL_ERROR);
});

test('h2 flow control - sendData stops at the socket high-water mark and onWritable follows when the socket drains', async (t) => {
  const h = await openServer(t, { limits: { maxBufferedWriteBytes: 64 * 1024 } }, [[SettingId.INITIAL_WINDOW_SIZE, MAX_INT31]]);
  h.peer.send(frame(FrameType.WINDOW_UPDATE, 0, 0, u32(10_000_000)));
  await withStream(h);
  await h.peer.settle();
  h.ours.stall();
  const body = Buffer.alloc(1024 * 1024);
  let taken = h.conn.sendData(1, body, false);
  t.is(taken, 64 * 1024 - h.ours.writableLength);
  await h.peer.settle();
  t.is(h.conn.sendData(1, body.subarray(taken), false), 0, 'the socket is full');
  t.true(h.ours.writableLength >= 60 * 1024);
  h.ours.unstall();
  await h.rec.next('writable');
  taken += h.conn.sendData(1, body.subarray(taken), false);
  t.true(taken > 64 * 1024);
});

test('h2 flow control - an empty DATA with END_STREAM is sent even with no window left', async (t) => {
  const h = await openServer(t, {}, [[SettingId.INITIAL_WINDOW_SIZE, 0]]);
  await withStream(h);
  t.is(h.conn.sendData(1, Buffer.alloc(10), false), 0);
  t.is(h.conn.sendData(1, Buffer.alloc(0), true), 0);
  const f = await h.peer.next(FrameType.DATA);
  t.is(f.flags, Flag.END_STREAM);
  t.is(f.payload.length, 0);
  t.throws(() => h.conn.sendData(1, Buffer.alloc(1), false), { message: /already ended/ });
});

test('h2 flow control - streams blocked on a full socket take turns: one that just wrote goes behind those still waiting', async (t) => {
  const h = await openServer(t, { limits: { maxBufferedWriteBytes: 64 * 1024 } }, [[SettingId.INITIAL_WINDOW_SIZE, MAX_INT31]]);
  h.peer.send(frame(FrameType.WINDOW_UPDATE, 0, 0, u32(100_000_000)));
  await withStream(h, 1);
  await withStream(h, 3);
  await h.peer.settle();
  h.ours.stall();
  // Stream 1 has far more to send than the socket holds; stream 3, blocked after it, only a little.
  const big = Buffer.alloc(16 * 1024 * 1024);
  let bigSent = h.conn.sendData(1, big, false);
  t.is(h.conn.sendData(3, Buffer.alloc(100), false), 0, 'the socket is full');
  await new Promise((r) => setImmediate(r)); // flushed into the stalled socket
  let smallSentInRound = -1;
  let round = 0;
  h.rec.on.onWritable = (id) => {
    if (id === 1) bigSent += h.conn.sendData(1, big.subarray(bigSent), false);
    else if (h.conn.sendData(3, Buffer.alloc(100), false) === 100) smallSentInRound = round;
  };
  // Each drain frees the socket once; stream 1 refills it whenever it goes first.
  for (round = 1; round <= 3 && smallSentInRound < 0; round++) {
    const before = h.rec.of('writable').length;
    h.ours.unstall();
    h.ours.stall();
    await h.rec.until(() => h.rec.of('writable').length > before, `a drain in round ${round}`);
    await new Promise((r) => setImmediate(r));
  }
  t.true(smallSentInRound >= 1 && smallSentInRound <= 2, `the small stream waited ${smallSentInRound < 0 ? 'more than 3' : smallSentInRound} drains behind the big one`);
  h.ours.unstall();
});
