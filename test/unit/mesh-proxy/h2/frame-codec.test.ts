// FrameReader and FrameWriter: zero-copy parsing, reassembly, size limits, one write per flush.
import test from 'ava';
import {
  CLIENT_PREFACE,
  ErrorCode,
  Flag,
  FrameReader,
  FrameType,
  FrameWriter,
  H2Error,
} from '../../../../mesh-proxy/src/h2/index.js';
import { frame } from './raw-peer.js';

function drain(reader: FrameReader) {
  const out: Array<{ type: number; flags: number; id: number; payload: Buffer }> = [];
  while (reader.next()) out.push({ type: reader.type, flags: reader.flags, id: reader.streamId, payload: reader.payload });
  return out;
}

test('h2 frame reader - a frame inside one chunk comes out as a view of that chunk, not a copy', (t) => {
  const chunk = Buffer.concat([frame(FrameType.DATA, Flag.END_STREAM, 3, Buffer.from('hello')), frame(FrameType.PING, 0, 0, Buffer.alloc(8, 7))]);
  const reader = new FrameReader(16384);
  reader.push(chunk);
  const frames = drain(reader);
  t.is(frames.length, 2);
  t.like(frames[0], { type: FrameType.DATA, flags: Flag.END_STREAM, id: 3 });
  t.is(frames[0]!.payload.toString(), 'hello');
  t.is(frames[0]!.payload.buffer, chunk.buffer, 'same memory');
  t.is(frames[0]!.payload.byteOffset, chunk.byteOffset + 9);
  t.deepEqual([...frames[1]!.payload], [7, 7, 7, 7, 7, 7, 7, 7]);
  t.is(reader.buffered, 0);
});

test('h2 frame reader - frames split at every octet are reassembled', (t) => {
  const bytes = Buffer.concat([
    frame(FrameType.HEADERS, Flag.END_HEADERS, 1, Buffer.from('abc')),
    frame(FrameType.DATA, 0, 1, Buffer.alloc(300, 1)),
    frame(FrameType.SETTINGS, Flag.ACK, 0),
  ]);
  const reader = new FrameReader(16384);
  const frames = [];
  for (let i = 0; i < bytes.length; i++) {
    reader.push(bytes.subarray(i, i + 1));
    frames.push(...drain(reader));
  }
  t.deepEqual(
    frames.map((f) => [f.type, f.id, f.payload.length]),
    [
      [FrameType.HEADERS, 1, 3],
      [FrameType.DATA, 1, 300],
      [FrameType.SETTINGS, 0, 0],
    ],
  );
  t.true(frames[1]!.payload.every((b) => b === 1));
});

test('h2 frame reader - the reserved bit of the stream id is ignored', (t) => {
  const f = frame(FrameType.DATA, 0, 5);
  f[5]! |= 0x80;
  const reader = new FrameReader(16384);
  reader.push(f);
  t.true(reader.next());
  t.is(reader.streamId, 5);
});

test('h2 frame reader - a frame longer than our max frame size is FRAME_SIZE_ERROR before its payload arrives', (t) => {
  const reader = new FrameReader(16384);
  reader.push(frame(FrameType.DATA, 0, 1, Buffer.alloc(16385)).subarray(0, 9));
  const err = t.throws(() => reader.next(), { instanceOf: H2Error });
  t.is(err?.code, ErrorCode.FRAME_SIZE_ERROR);
  const ok = new FrameReader(16384);
  ok.push(frame(FrameType.DATA, 0, 1, Buffer.alloc(16384)));
  t.true(ok.next());
});

test('h2 frame reader - the client preface is recognised, in pieces, and anything else is refused at the first wrong octet', (t) => {
  const reader = new FrameReader(16384);
  reader.push(CLIENT_PREFACE.subarray(0, 10));
  t.is(reader.readPreface(), 'more');
  reader.push(Buffer.concat([CLIENT_PREFACE.subarray(10), frame(FrameType.SETTINGS, 0, 0)]));
  t.is(reader.readPreface(), 'ok');
  t.true(reader.next());
  t.is(reader.type, FrameType.SETTINGS);

  const http1 = new FrameReader(16384);
  http1.push(Buffer.from('GET / HTTP/1.1\r\n'));
  t.is(http1.readPreface(), 'bad');
  const early = new FrameReader(16384);
  early.push(Buffer.from('PRX'));
  t.is(early.readPreface(), 'bad');
});

test('h2 frame writer - frames queued in one turn leave in one write', (t) => {
  const writer = new FrameWriter();
  writer.settingsAck();
  writer.ping(true, Buffer.alloc(8, 1));
  writer.windowUpdate(0, 1000);
  writer.rstStream(3, ErrorCode.CANCEL);
  writer.goaway(7, ErrorCode.NO_ERROR, Buffer.from('bye'));
  const writes: Buffer[] = [];
  writer.flushTo({ write: (b) => (writes.push(Buffer.from(b)), true) });
  t.is(writes.length, 1);
  const reader = new FrameReader(16384);
  reader.push(writes[0]!);
  const frames = drain(reader);
  t.deepEqual(
    frames.map((f) => [f.type, f.flags, f.id]),
    [
      [FrameType.SETTINGS, Flag.ACK, 0],
      [FrameType.PING, Flag.ACK, 0],
      [FrameType.WINDOW_UPDATE, 0, 0],
      [FrameType.RST_STREAM, 0, 3],
      [FrameType.GOAWAY, 0, 0],
    ],
  );
  t.is(frames[2]!.payload.readUInt32BE(0), 1000);
  t.is(frames[3]!.payload.readUInt32BE(0), ErrorCode.CANCEL);
  t.is(frames[4]!.payload.readUInt32BE(0), 7);
  t.is(frames[4]!.payload.subarray(8).toString(), 'bye');
  t.is(writer.pendingBytes, 0);
});

test('h2 frame writer - a header block larger than the max frame size becomes HEADERS + CONTINUATION, END_STREAM on HEADERS, END_HEADERS on the last', (t) => {
  const writer = new FrameWriter();
  const block = Buffer.alloc(40_000, 9);
  writer.headers(5, true, block, 16384);
  const writes: Buffer[] = [];
  writer.flushTo({ write: (b) => (writes.push(Buffer.from(b)), true) });
  const reader = new FrameReader(16384);
  for (const w of writes) reader.push(w);
  const frames = drain(reader);
  t.deepEqual(
    frames.map((f) => [f.type, f.flags, f.id, f.payload.length]),
    [
      [FrameType.HEADERS, Flag.END_STREAM, 5, 16384],
      [FrameType.CONTINUATION, 0, 5, 16384],
      [FrameType.CONTINUATION, Flag.END_HEADERS, 5, 40_000 - 2 * 16384],
    ],
  );
  t.true(Buffer.concat(frames.map((f) => f.payload)).equals(block));
});

test('h2 frame writer - a long DATA payload is referenced, not copied, and written after its header in order', (t) => {
  const writer = new FrameWriter();
  const payload = Buffer.alloc(10_000, 3);
  writer.windowUpdate(1, 5);
  writer.data(1, false, payload);
  writer.data(1, true, Buffer.from('tail'));
  const writes: Buffer[] = [];
  let corked = 0;
  writer.flushTo({ write: (b) => (writes.push(b), true), cork: () => corked++, uncork: () => {} });
  t.is(corked, 1, 'several chunks go out corked, as one writev');
  t.true(writes.includes(payload), 'the payload itself is handed to the socket');
  const reader = new FrameReader(16384);
  for (const w of writes) reader.push(w);
  const frames = drain(reader);
  t.deepEqual(
    frames.map((f) => [f.type, f.flags, f.payload.length]),
    [
      [FrameType.WINDOW_UPDATE, 0, 4],
      [FrameType.DATA, 0, 10_000],
      [FrameType.DATA, Flag.END_STREAM, 4],
    ],
  );
});
