// Stream states, header blocks, concurrency, stream ids, header validation and GOAWAY of H2Connection, driven with raw frames.
import test from 'ava';
import { ErrorCode, Flag, FrameType, H2Error, MAX_INT31, SettingId } from '../../../../mesh-proxy/src/h2/index.js';
import { closedWith, openClient, openServer } from './harness.js';
import { GRPC_REQUEST, frame, u32 } from './raw-peer.js';

const H = Flag.END_HEADERS;
const ES = Flag.END_STREAM;

test('h2 streams - a request with END_STREAM on HEADERS reaches onHeaders once, and the response closes the stream', async (t) => {
  const h = await openServer(t);
  h.peer.send(h.peer.headers(1, GRPC_REQUEST, H | ES));
  const e = await h.rec.next('headers');
  t.deepEqual(e, { type: 'headers', id: 1, headers: GRPC_REQUEST, end: true });
  t.is(h.conn.activeStreams, 1);
  h.conn.sendHeaders(1, [[':status', '200'], ['content-type', 'application/grpc']], false);
  t.is(h.conn.sendData(1, Buffer.from('hi'), false), 2);
  h.conn.sendHeaders(1, [['grpc-status', '0']], true);
  t.is(h.conn.activeStreams, 0);
  await h.peer.settle();
  const headers = h.peer.of(FrameType.HEADERS, 1);
  t.deepEqual(h.peer.decode(headers[0]!), [[':status', '200'], ['content-type', 'application/grpc']]);
  t.deepEqual(h.peer.decode(headers[1]!), [['grpc-status', '0']]);
  t.is(headers[1]!.flags & ES, ES);
  t.throws(() => h.conn.sendHeaders(1, [['x', 'y']], true), { instanceOf: H2Error });
});

test('h2 streams - a header block across HEADERS and CONTINUATION frames is decoded as one', async (t) => {
  const h = await openServer(t);
  const block = h.peer.encoder.encode([...GRPC_REQUEST, ['x-big', 'v'.repeat(3000)]]);
  h.peer.send(
    frame(FrameType.HEADERS, ES, 1, block.subarray(0, 1000)),
    frame(FrameType.CONTINUATION, 0, 1, block.subarray(1000, 2000)),
    frame(FrameType.CONTINUATION, 0, 1, Buffer.alloc(0)),
    frame(FrameType.CONTINUATION, H, 1, block.subarray(2000)),
  );
  const e = await h.rec.next('headers');
  t.is(e.end, true);
  t.is(e.headers.at(-1)?.[1].length, 3000);
});

test('h2 streams - any frame inside a header block, or CONTINUATION without one, is a connection PROTOCOL_ERROR', async (t) => {
  const cases: Array<(block: Buffer) => Buffer[]> = [
    (b) => [frame(FrameType.HEADERS, 0, 1, b), frame(FrameType.PING, 0, 0, Buffer.alloc(8)), frame(FrameType.CONTINUATION, H, 1)],
    (b) => [frame(FrameType.HEADERS, 0, 1, b), frame(FrameType.CONTINUATION, H, 3)],
    (b) => [frame(FrameType.HEADERS, 0, 1, b), frame(FrameType.DATA, 0, 1, Buffer.from('x'))],
    () => [frame(FrameType.CONTINUATION, H, 1, Buffer.alloc(3))],
    (b) => [frame(FrameType.HEADERS, H, 1, b), frame(FrameType.CONTINUATION, H, 1)],
  ];
  for (const [i, make] of cases.entries()) {
    const h = await openServer(t);
    h.peer.send(...make(h.peer.encoder.encode(GRPC_REQUEST)));
    t.is((await h.peer.goaway()).code, ErrorCode.PROTOCOL_ERROR);
    t.is(h.rec.of('headers').length, i === 4 ? 1 : 0, 'an incomplete block never reaches the handler');
  }
});

test('h2 streams - padded HEADERS with the PRIORITY flag: padding and priority fields are skipped', async (t) => {
  const h = await openServer(t);
  const block = h.peer.encoder.encode(GRPC_REQUEST);
  const payload = Buffer.concat([Buffer.from([7]), u32(0), Buffer.from([200]), block, Buffer.alloc(7)]);
  h.peer.send(frame(FrameType.HEADERS, H | ES | Flag.PADDED | Flag.PRIORITY, 1, payload));
  t.deepEqual((await h.rec.next('headers')).headers, GRPC_REQUEST);
});

test('h2 streams - PRIORITY frames are accepted and ignored; a malformed one is a stream error', async (t) => {
  const h = await openServer(t);
  h.peer.send(frame(FrameType.PRIORITY, 0, 1, Buffer.concat([u32(0), Buffer.from([15])]))); // idle stream: allowed
  h.peer.send(frame(FrameType.PRIORITY, 0, 9, Buffer.concat([u32(3), Buffer.from([15])])));
  h.peer.send(h.peer.headers(1, GRPC_REQUEST, H));
  await h.rec.next('headers');
  await h.peer.settle();
  t.is(h.peer.of(FrameType.RST_STREAM).length + h.peer.of(FrameType.GOAWAY).length, 0);
  h.peer.send(frame(FrameType.PRIORITY, 0, 1, Buffer.alloc(4)));
  t.is(await h.peer.rst(1), ErrorCode.FRAME_SIZE_ERROR);
  h.peer.send(frame(FrameType.PRIORITY, 0, 0, Buffer.alloc(5)));
  t.is((await h.peer.goaway()).code, ErrorCode.PROTOCOL_ERROR);
});

test('h2 streams - a stream that depends on itself is a stream PROTOCOL_ERROR', async (t) => {
  const h = await openServer(t);
  const block = h.peer.encoder.encode(GRPC_REQUEST);
  h.peer.send(frame(FrameType.HEADERS, H | Flag.PRIORITY, 1, Buffer.concat([u32(1), Buffer.from([0]), block])));
  t.is(await h.peer.rst(1), ErrorCode.PROTOCOL_ERROR);
  t.is(h.rec.of('headers').length, 0);
  h.peer.send(h.peer.headers(3, GRPC_REQUEST, H | ES));
  await h.rec.next('headers', (e) => e.id === 3); // HPACK state stayed in step
});

test('h2 streams - PUSH_PROMISE is a connection PROTOCOL_ERROR (push is disabled)', async (t) => {
  const h = await openClient(t);
  const id = h.conn.openStream(GRPC_REQUEST, true);
  h.peer.send(frame(FrameType.PUSH_PROMISE, H, id, Buffer.concat([u32(2), h.peer.encoder.encode(GRPC_REQUEST)])));
  t.is((await h.peer.goaway()).code, ErrorCode.PROTOCOL_ERROR);
});

test('h2 streams - DATA on a half-closed (remote) stream is STREAM_CLOSED; on a closed one too', async (t) => {
  const h = await openServer(t);
  h.peer.send(h.peer.headers(1, GRPC_REQUEST, H | ES), h.peer.headers(3, GRPC_REQUEST, H | ES));
  await h.rec.until(() => h.rec.of('headers').length === 2, 'two requests');
  h.peer.send(frame(FrameType.DATA, 0, 1, Buffer.from('late')));
  t.is(await h.peer.rst(1), ErrorCode.STREAM_CLOSED);
  t.deepEqual(h.rec.of('reset'), [{ type: 'reset', id: 1, code: ErrorCode.STREAM_CLOSED }]);
  h.conn.sendHeaders(3, [[':status', '200']], true); // both ends done: closed
  h.peer.send(frame(FrameType.DATA, 0, 3, Buffer.from('later')));
  t.is(await h.peer.rst(3), ErrorCode.STREAM_CLOSED);
  t.is(h.peer.of(FrameType.GOAWAY).length, 0);
});

test('h2 streams - HEADERS on a stream closed by END_STREAM both ways is a connection STREAM_CLOSED', async (t) => {
  const h = await openServer(t);
  h.peer.send(h.peer.headers(1, GRPC_REQUEST, H | ES));
  await h.rec.next('headers');
  h.conn.sendHeaders(1, [[':status', '200']], true);
  h.peer.send(h.peer.headers(1, [['grpc-status', '0']], H | ES));
  t.is((await h.peer.goaway()).code, ErrorCode.STREAM_CLOSED);
});

test('h2 streams - a client stream id lower than one already used, or even, or DATA on an idle stream: PROTOCOL_ERROR', async (t) => {
  const lower = await openServer(t);
  lower.peer.send(lower.peer.headers(5, GRPC_REQUEST, H | ES));
  await lower.rec.next('headers');
  lower.peer.send(lower.peer.headers(3, GRPC_REQUEST, H | ES));
  t.like(await lower.peer.goaway(), { code: ErrorCode.PROTOCOL_ERROR, last: 5 });

  const even = await openServer(t);
  even.peer.send(even.peer.headers(2, GRPC_REQUEST, H | ES));
  t.is((await even.peer.goaway()).code, ErrorCode.PROTOCOL_ERROR);

  const idle = await openServer(t);
  idle.peer.send(frame(FrameType.DATA, 0, 7, Buffer.from('x')));
  t.is((await idle.peer.goaway()).code, ErrorCode.PROTOCOL_ERROR);

  const zero = await openServer(t);
  zero.peer.send(frame(FrameType.DATA, 0, 0, Buffer.from('x')));
  t.is((await zero.peer.goaway()).code, ErrorCode.PROTOCOL_ERROR);

  const rstIdle = await openServer(t);
  rstIdle.peer.send(frame(FrameType.RST_STREAM, 0, 11, u32(ErrorCode.CANCEL)));
  t.is((await rstIdle.peer.goaway()).code, ErrorCode.PROTOCOL_ERROR);
});

test('h2 streams - frames on a stream we reset are ignored, and their DATA still gives the connection window back', async (t) => {
  const h = await openServer(t, { connectionWindow: 65535 });
  h.peer.send(h.peer.headers(1, GRPC_REQUEST, H));
  await h.rec.next('headers');
  h.conn.reset(1, ErrorCode.CANCEL);
  t.is(await h.peer.rst(1), ErrorCode.CANCEL);
  t.is(h.conn.activeStreams, 0);
  for (let i = 0; i < 3; i++) h.peer.send(frame(FrameType.DATA, 0, 1, Buffer.alloc(16000)));
  h.peer.send(frame(FrameType.WINDOW_UPDATE, 0, 1, u32(5)), h.peer.headers(1, [['grpc-status', '1']], H | ES));
  h.peer.send(frame(FrameType.RST_STREAM, 0, 1, u32(ErrorCode.CANCEL)));
  await h.peer.settle();
  t.is(h.peer.of(FrameType.RST_STREAM).length, 1, 'no answer to the late frames');
  t.is(h.peer.of(FrameType.GOAWAY).length, 0);
  t.is(h.rec.of('data').length + h.rec.of('reset').length, 0, 'the handler hears nothing of them');
  const credit = h.peer.of(FrameType.WINDOW_UPDATE, 0);
  t.is(credit.at(-1)?.payload.readUInt32BE(0), 48000, 'the ignored DATA went back to the connection window');
  h.peer.send(h.peer.headers(3, GRPC_REQUEST, H | ES));
  await h.rec.next('headers', (e) => e.id === 3);
});

test('h2 streams - RST_STREAM from the peer ends the stream with onReset; a wrong length is FRAME_SIZE_ERROR', async (t) => {
  const h = await openServer(t);
  h.peer.send(h.peer.headers(1, GRPC_REQUEST, H));
  await h.rec.next('headers');
  h.peer.send(frame(FrameType.RST_STREAM, 0, 1, u32(ErrorCode.CANCEL)));
  t.deepEqual(await h.rec.next('reset'), { type: 'reset', id: 1, code: ErrorCode.CANCEL });
  t.is(h.conn.activeStreams, 0);
  t.throws(() => h.conn.sendData(1, Buffer.from('x'), true), { instanceOf: H2Error });
  h.peer.send(frame(FrameType.RST_STREAM, 0, 1, Buffer.alloc(5)));
  t.is((await h.peer.goaway()).code, ErrorCode.FRAME_SIZE_ERROR);
});

test('h2 streams - a server refuses streams beyond its MAX_CONCURRENT_STREAMS with REFUSED_STREAM', async (t) => {
  const h = await openServer(t, { settings: { maxConcurrentStreams: 2 } });
  h.peer.send(h.peer.headers(1, GRPC_REQUEST, H), h.peer.headers(3, GRPC_REQUEST, H), h.peer.headers(5, GRPC_REQUEST, H));
  t.is(await h.peer.rst(5), ErrorCode.REFUSED_STREAM);
  t.deepEqual(
    h.rec.of('headers').map((e) => e.id),
    [1, 3],
  );
  h.conn.reset(1, ErrorCode.CANCEL);
  h.peer.send(h.peer.headers(7, GRPC_REQUEST, H));
  await h.rec.next('headers', (e) => e.id === 7);
});

test('h2 streams - a client keeps to the peer MAX_CONCURRENT_STREAMS', async (t) => {
  const h = await openClient(t, {}, [[SettingId.MAX_CONCURRENT_STREAMS, 2]]);
  t.true(h.conn.canOpenStream());
  const a = h.conn.openStream(GRPC_REQUEST, true);
  h.conn.openStream(GRPC_REQUEST, true);
  t.false(h.conn.canOpenStream());
  t.throws(() => h.conn.openStream(GRPC_REQUEST, true), { instanceOf: H2Error, message: /allows 2 concurrent/ });
  h.peer.send(h.peer.headers(a, [[':status', '200'], ['grpc-status', '0']], H | ES));
  await h.rec.next('headers');
  t.true(h.conn.canOpenStream());
});

test('h2 streams - a client cannot open streams past id 2^31-1', async (t) => {
  const h = await openClient(t, { firstStreamId: MAX_INT31 - 2 });
  t.is(h.conn.openStream(GRPC_REQUEST, true), MAX_INT31 - 2);
  t.is(h.conn.openStream(GRPC_REQUEST, true), MAX_INT31);
  t.false(h.conn.canOpenStream());
  const err = t.throws(() => h.conn.openStream(GRPC_REQUEST, true), { instanceOf: H2Error });
  t.is(err?.code, ErrorCode.REFUSED_STREAM);
  t.regex(err?.message ?? '', /exhausted/);
});

test('h2 streams - client: 1xx is passed on, then the final response; a trailers-only response is one onHeaders with endStream', async (t) => {
  const h = await openClient(t);
  const a = h.conn.openStream(GRPC_REQUEST, true);
  const b = h.conn.openStream(GRPC_REQUEST, true);
  h.peer.send(h.peer.headers(a, [[':status', '103'], ['link', '</x>']], H));
  h.peer.send(h.peer.headers(a, [[':status', '200']], H), frame(FrameType.DATA, 0, a, Buffer.from('body')));
  h.peer.send(h.peer.headers(a, [['grpc-status', '0']], H | ES));
  h.peer.send(h.peer.headers(b, [[':status', '200'], ['grpc-status', '5'], ['grpc-message', 'no such order']], H | ES));
  await h.rec.until(() => h.rec.of('headers').length === 4, 'four header lists');
  t.deepEqual(
    h.rec.events.filter((e) => e.type !== 'close').map((e) => (e.type === 'headers' ? [e.id, e.headers[0]![1], e.end] : [e.type])),
    [[a, '103', false], [a, '200', false], ['data'], [a, '0', true], [b, '200', true]],
  );
  t.is(h.conn.activeStreams, 0);
});

test('h2 streams - client: trailers without END_STREAM, DATA before the response, or no :status are stream PROTOCOL_ERRORs', async (t) => {
  const h = await openClient(t);
  const a = h.conn.openStream(GRPC_REQUEST, true);
  const b = h.conn.openStream(GRPC_REQUEST, true);
  const c = h.conn.openStream(GRPC_REQUEST, true);
  h.peer.send(h.peer.headers(a, [[':status', '200']], H), h.peer.headers(a, [['grpc-status', '0']], H));
  h.peer.send(frame(FrameType.DATA, 0, b, Buffer.from('x')));
  h.peer.send(h.peer.headers(c, [['content-type', 'application/grpc']], H | ES));
  for (const id of [a, b, c]) t.is(await h.peer.rst(id), ErrorCode.PROTOCOL_ERROR);
  await h.rec.until(() => h.rec.of('reset').length === 3, 'three resets');
  t.is(h.peer.of(FrameType.GOAWAY).length, 0);
});

test('h2 streams - malformed requests are refused with RST_STREAM PROTOCOL_ERROR and never reach the handler', async (t) => {
  const bad: Array<[string, Array<[string, string]>]> = [
    ['upper-case name', [...GRPC_REQUEST, ['X-Trace', '1']]],
    ['pseudo-header after a regular one', [[':method', 'POST'], ['x', '1'], [':path', '/a'], [':scheme', 'http']]],
    ['connection header', [...GRPC_REQUEST, ['connection', 'keep-alive']]],
    ['transfer-encoding', [...GRPC_REQUEST, ['transfer-encoding', 'chunked']]],
    ['te other than trailers', [...GRPC_REQUEST.filter(([n]) => n !== 'te'), ['te', 'gzip']]],
    ['no :path', GRPC_REQUEST.filter(([n]) => n !== ':path')],
    ['response pseudo-header', [[':status', '200'], ...GRPC_REQUEST]],
    ['CR in a value', [...GRPC_REQUEST, ['x', 'a\r\nb: c']]],
  ];
  const h = await openServer(t);
  let id = 1;
  for (const [label, headers] of bad) {
    h.peer.send(h.peer.headers(id, headers, H | ES));
    t.is(await h.peer.rst(id), ErrorCode.PROTOCOL_ERROR, label);
    id += 2;
  }
  t.is(h.rec.of('headers').length, 0);
  h.peer.send(h.peer.headers(id, GRPC_REQUEST, H | ES));
  await h.rec.next('headers');
});

test('h2 streams - DATA not matching content-length is a stream PROTOCOL_ERROR', async (t) => {
  const h = await openServer(t);
  h.peer.send(h.peer.headers(1, [...GRPC_REQUEST, ['content-length', '3']], H));
  await h.rec.next('headers');
  h.peer.send(frame(FrameType.DATA, ES, 1, Buffer.from('ab')));
  t.is(await h.peer.rst(1), ErrorCode.PROTOCOL_ERROR);
});

test('h2 streams - a request header list over our MAX_HEADER_LIST_SIZE is answered 431, and the connection lives on', async (t) => {
  const h = await openServer(t, { settings: { maxHeaderListSize: 1000 } });
  h.peer.send(h.peer.headers(1, [...GRPC_REQUEST, ['x-big', 'v'.repeat(2000)]], H));
  const answer = await h.peer.next(FrameType.HEADERS, (f) => f.streamId === 1);
  t.deepEqual(h.peer.decode(answer), [[':status', '431']]);
  t.is(answer.flags & ES, ES);
  t.is(await h.peer.rst(1), ErrorCode.NO_ERROR, 'the rest of the request is not wanted');
  h.peer.send(frame(FrameType.DATA, ES, 1, Buffer.from('ignored')));
  h.peer.send(h.peer.headers(3, GRPC_REQUEST, H | ES));
  await h.rec.next('headers', (e) => e.id === 3);
  t.is(h.rec.of('headers').length, 1);
  t.is(h.peer.of(FrameType.GOAWAY).length, 0);
});

test('h2 streams - client: response headers over our MAX_HEADER_LIST_SIZE reset the stream with ENHANCE_YOUR_CALM', async (t) => {
  const h = await openClient(t, { settings: { maxHeaderListSize: 1000 } });
  const id = h.conn.openStream(GRPC_REQUEST, true);
  h.peer.send(h.peer.headers(id, [[':status', '200'], ['x-big', 'v'.repeat(2000)]], H));
  t.is(await h.peer.rst(id), ErrorCode.ENHANCE_YOUR_CALM);
  t.deepEqual(await h.rec.next('reset'), { type: 'reset', id, code: ErrorCode.ENHANCE_YOUR_CALM });
});

test('h2 streams - headers larger than the peer MAX_HEADER_LIST_SIZE are not sent', async (t) => {
  const h = await openClient(t, {}, [[SettingId.MAX_HEADER_LIST_SIZE, 500]]);
  t.throws(() => h.conn.openStream([...GRPC_REQUEST, ['x-big', 'v'.repeat(600)]], true), { instanceOf: H2Error, message: /MAX_HEADER_LIST_SIZE/ });
  t.is(h.conn.activeStreams, 0);
  t.is(h.conn.openStream(GRPC_REQUEST, true), 1, 'no stream id was spent');
});

test('h2 streams - our header block larger than the peer max frame size goes out as HEADERS + CONTINUATION', async (t) => {
  const h = await openClient(t);
  const big: Array<[string, string]> = [...GRPC_REQUEST, ['x-a', 'a'.repeat(20_000)], ['x-b', 'b'.repeat(20_000)]];
  const id = h.conn.openStream(big, true);
  await h.peer.next(FrameType.CONTINUATION, (f) => (f.flags & H) !== 0);
  const parts = h.peer.frames.filter((f) => f.streamId === id);
  t.is(parts[0]!.type, FrameType.HEADERS);
  t.is(parts[0]!.payload.length, 16384);
  t.true(parts.length >= 2 && parts.slice(1).every((f) => f.type === FrameType.CONTINUATION));
  t.true(parts.slice(0, -1).every((f) => (f.flags & H) === 0), 'END_HEADERS on the last frame only');
  t.deepEqual(h.peer.decoder.decode(Buffer.concat(parts.map((f) => f.payload))), big);
});

test('h2 streams - client: GOAWAY from the server refuses the streams above its last id and forbids new ones', async (t) => {
  const h = await openClient(t);
  const ids = [h.conn.openStream(GRPC_REQUEST, true), h.conn.openStream(GRPC_REQUEST, true), h.conn.openStream(GRPC_REQUEST, true)];
  h.peer.send(frame(FrameType.GOAWAY, 0, 0, Buffer.concat([u32(ids[0]!), u32(ErrorCode.NO_ERROR), Buffer.from('restart')])));
  t.deepEqual(await h.rec.next('goaway'), { type: 'goaway', last: ids[0]!, code: ErrorCode.NO_ERROR, debug: 'restart' });
  await h.rec.until(() => h.rec.of('reset').length === 2, 'two refused');
  t.deepEqual(
    h.rec.of('reset').map((e) => [e.id, e.code]),
    [
      [ids[1], ErrorCode.REFUSED_STREAM],
      [ids[2], ErrorCode.REFUSED_STREAM],
    ],
  );
  t.false(h.conn.canOpenStream());
  t.is(h.conn.activeStreams, 1);
  h.peer.send(h.peer.headers(ids[0]!, [[':status', '200'], ['grpc-status', '0']], H | ES));
  t.is(await closedWith(h), undefined, 'the last stream done, the connection closes cleanly');
  await h.conn.closed;
});

test('h2 streams - server: graceful goaway sends GOAWAY(2^31-1) and PING, then the real last id; open streams finish', async (t) => {
  const h = await openServer(t);
  h.peer.send(h.peer.headers(1, GRPC_REQUEST, H | ES));
  await h.rec.next('headers');
  h.conn.goaway();
  const first = await h.peer.goaway();
  t.is(first.last, MAX_INT31);
  const ping = await h.peer.next(FrameType.PING);
  h.peer.send(h.peer.headers(3, GRPC_REQUEST, H | ES)); // in flight before the client saw GOAWAY
  await h.rec.next('headers', (e) => e.id === 3);
  h.peer.send(frame(FrameType.PING, Flag.ACK, 0, ping.payload));
  await h.peer.next(FrameType.GOAWAY, (f) => f.payload.readUInt32BE(0) === 3);
  h.peer.send(h.peer.headers(5, GRPC_REQUEST, H | ES)); // after the final GOAWAY: ignored
  await h.peer.settle();
  t.is(h.rec.of('headers').length, 2);
  h.conn.sendHeaders(1, [[':status', '200']], true);
  await h.peer.settle();
  t.is(h.rec.of('close').length, 0, 'stream 3 is still open');
  h.conn.sendHeaders(3, [[':status', '200']], true);
  t.is(await closedWith(h), undefined);
  await h.conn.closed;
});

test('h2 streams - close() sends GOAWAY with the error code and onClose gets the error', async (t) => {
  const h = await openServer(t);
  h.peer.send(h.peer.headers(1, GRPC_REQUEST, H | ES));
  await h.rec.next('headers');
  const err = new Error('shutting down');
  h.conn.close(err);
  t.like(await h.peer.goaway(), { code: ErrorCode.INTERNAL_ERROR, last: 1 });
  t.is(await closedWith(h), err);
  t.is(h.conn.activeStreams, 0);
  await h.conn.closed;
  t.is(h.rec.of('reset').length, 0, 'no onReset per stream');
});

test('h2 streams - a handler that throws closes the connection with INTERNAL_ERROR, nothing escapes', async (t) => {
  const h = await openServer(t);
  h.rec.on.onHeaders = () => {
    throw new Error('bug in the relay');
  };
  h.peer.send(h.peer.headers(1, GRPC_REQUEST, H | ES));
  t.is((await h.peer.goaway()).code, ErrorCode.INTERNAL_ERROR);
  t.is((await closedWith(h))?.message, 'bug in the relay');
});
