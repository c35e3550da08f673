// Defences of H2Connection against abusive peers: rapid reset, control-frame floods, owed responses, CONTINUATION floods, write buffering.
import test from 'ava';
import { ErrorCode, Flag, FrameType, type H2Error } from '../../../../mesh-proxy/src/h2/index.js';
import { FakeClock } from '../../../support/fake-clock.js';
import { closedWith, openServer } from './harness.js';
import { GRPC_REQUEST, frame, settings, u32 } from './raw-peer.js';

const H = Flag.END_HEADERS;

test('h2 defences - rapid reset: streams opened and reset beyond the burst end the connection with ENHANCE_YOUR_CALM', async (t) => {
  const clock = new FakeClock();
  const h = await openServer(t, { clock, limits: { resetBurst: 10, resetsPerSecond: 1 } });
  const chunks: Buffer[] = [];
  for (let id = 1; id <= 21; id += 2) chunks.push(h.peer.headers(id, GRPC_REQUEST, H), frame(FrameType.RST_STREAM, 0, id, u32(ErrorCode.CANCEL)));
  h.peer.send(...chunks);
  t.is((await h.peer.goaway()).code, ErrorCode.ENHANCE_YOUR_CALM);
  t.is(h.rec.of('reset').length, 10);
  t.is(((await closedWith(h)) as H2Error).code, ErrorCode.ENHANCE_YOUR_CALM);
});

test('h2 defences - resets at the allowed rate are fine', async (t) => {
  const clock = new FakeClock();
  const h = await openServer(t, { clock, limits: { resetBurst: 10, resetsPerSecond: 1 } });
  for (let id = 1; id <= 41; id += 2) {
    h.peer.send(h.peer.headers(id, GRPC_REQUEST, H), frame(FrameType.RST_STREAM, 0, id, u32(ErrorCode.CANCEL)));
    await h.rec.next('reset', (e) => e.id === id);
    await clock.advance(1000);
  }
  t.is(h.peer.of(FrameType.GOAWAY).length, 0);
});

test('h2 defences - resets the peer provokes (MadeYouReset) count like its own RST_STREAMs', async (t) => {
  const clock = new FakeClock();
  const h = await openServer(t, { clock, limits: { resetBurst: 10, resetsPerSecond: 1 } });
  const chunks: Buffer[] = [];
  // WINDOW_UPDATE of 0 makes us reset the stream: the peer pays nothing for it.
  for (let id = 1; id <= 21; id += 2) chunks.push(h.peer.headers(id, GRPC_REQUEST, H), frame(FrameType.WINDOW_UPDATE, 0, id, u32(0)));
  h.peer.send(...chunks);
  t.is((await h.peer.goaway()).code, ErrorCode.ENHANCE_YOUR_CALM);
});

test('h2 defences - refused streams (over MAX_CONCURRENT_STREAMS) count as resets too', async (t) => {
  const clock = new FakeClock();
  const h = await openServer(t, { clock, settings: { maxConcurrentStreams: 1 }, limits: { resetBurst: 5, resetsPerSecond: 1 } });
  const chunks: Buffer[] = [];
  for (let id = 1; id <= 15; id += 2) chunks.push(h.peer.headers(id, GRPC_REQUEST, H));
  h.peer.send(...chunks);
  t.is((await h.peer.goaway()).code, ErrorCode.ENHANCE_YOUR_CALM);
});

for (const [label, make] of [
  ['PING', () => frame(FrameType.PING, 0, 0, Buffer.alloc(8))],
  ['SETTINGS', () => settings([])],
  ['PRIORITY', () => frame(FrameType.PRIORITY, 0, 3, Buffer.concat([u32(0), Buffer.from([1])]))],
  ['unknown frame', () => frame(0x77, 0, 0)],
  ['empty DATA', () => frame(FrameType.DATA, 0, 1)],
] as const) {
  test(`h2 defences - a ${label} flood beyond the control-frame burst is ENHANCE_YOUR_CALM`, async (t) => {
    const clock = new FakeClock();
    const h = await openServer(t, { clock, limits: { controlFrameBurst: 50, controlFramesPerSecond: 10 } });
    h.peer.send(h.peer.headers(1, GRPC_REQUEST, H));
    await h.rec.next('headers');
    h.peer.send(...Array.from({ length: 50 }, make));
    await h.peer.settle();
    t.is(h.peer.of(FrameType.GOAWAY).length, 0, 'the burst itself is allowed');
    await clock.advance(1000);
    h.peer.send(...Array.from({ length: 10 }, make));
    await h.peer.settle();
    t.is(h.peer.of(FrameType.GOAWAY).length, 0, 'and the refill');
    h.peer.send(make());
    t.is((await h.peer.goaway()).code, ErrorCode.ENHANCE_YOUR_CALM);
  });
}

test('h2 defences - PING ACKs piling up on a socket that does not drain end the connection', async (t) => {
  const h = await openServer(t, { limits: { controlFrameBurst: 1e6, controlFramesPerSecond: 1e6, maxPendingControlResponses: 20 } });
  h.ours.stall();
  const ping = frame(FrameType.PING, 0, 0, Buffer.alloc(8));
  h.peer.send(...Array.from({ length: 1500 }, () => ping)); // 1500 ACKs fill the socket past its high-water mark
  await h.peer.settle();
  t.is(h.rec.of('close').length, 0);
  h.peer.send(...Array.from({ length: 21 }, () => ping));
  t.is(((await closedWith(h)) as H2Error).code, ErrorCode.ENHANCE_YOUR_CALM);
});

test('h2 defences - PING ACKs are fine while the socket drains', async (t) => {
  const h = await openServer(t, { limits: { controlFrameBurst: 1e6, controlFramesPerSecond: 1e6, maxPendingControlResponses: 20 } });
  const ping = frame(FrameType.PING, 0, 0, Buffer.alloc(8));
  for (let i = 0; i < 3; i++) {
    h.peer.send(...Array.from({ length: 1500 }, () => ping));
    await h.peer.settle();
  }
  t.is(h.peer.of(FrameType.PING).length, 4500);
  t.is(h.rec.of('close').length, 0);
});

test('h2 defences - a CONTINUATION flood of empty frames is stopped at maxContinuationFrames', async (t) => {
  const h = await openServer(t, { limits: { maxContinuationFrames: 64 } });
  const block = h.peer.encoder.encode(GRPC_REQUEST);
  h.peer.send(frame(FrameType.HEADERS, 0, 1, block), ...Array.from({ length: 64 }, () => frame(FrameType.CONTINUATION, 0, 1)));
  await h.peer.settle();
  t.is(h.peer.of(FrameType.GOAWAY).length, 0);
  h.peer.send(frame(FrameType.CONTINUATION, 0, 1));
  t.is((await h.peer.goaway()).code, ErrorCode.ENHANCE_YOUR_CALM);
  t.is(h.rec.of('headers').length, 0);
});

test('h2 defences - a header block growing past maxHeaderBlockBytes before END_HEADERS is stopped', async (t) => {
  const h = await openServer(t, { limits: { maxHeaderBlockBytes: 40_000 } });
  h.peer.send(frame(FrameType.HEADERS, 0, 1, Buffer.alloc(16000)), frame(FrameType.CONTINUATION, 0, 1, Buffer.alloc(16000)));
  await h.peer.settle();
  t.is(h.peer.of(FrameType.GOAWAY).length, 0);
  h.peer.send(frame(FrameType.CONTINUATION, 0, 1, Buffer.alloc(16000)));
  t.is((await h.peer.goaway()).code, ErrorCode.ENHANCE_YOUR_CALM);
});

test('h2 defences - the engine queues at most maxBufferedWriteBytes of DATA for a socket that does not drain', async (t) => {
  const h = await openServer(t, { limits: { maxBufferedWriteBytes: 100_000 } }, [[0x4, 0x7fffffff]]);
  h.peer.send(frame(FrameType.WINDOW_UPDATE, 0, 0, u32(100_000_000)));
  h.peer.send(h.peer.headers(1, GRPC_REQUEST, H));
  await h.rec.next('headers');
  h.ours.stall();
  const chunk = Buffer.alloc(64 * 1024);
  let taken = 0;
  for (let i = 0; i < 100; i++) {
    taken += h.conn.sendData(1, chunk, false);
    await h.peer.settle();
  }
  t.true(taken <= 100_000, `took ${taken}`);
  t.true(h.ours.writableLength <= 100_000 + 200, `socket holds ${h.ours.writableLength} (payload plus frame headers)`);
});
