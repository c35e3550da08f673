import test from 'ava';
import type { H2Connection } from '../../../../mesh-proxy/src/h2/index.js';
import { DEFAULT_STREAM_WINDOW } from '../../../../mesh-proxy/src/h2/index.js';
import type { Recorder } from '../h2/recorder.js';
import { REQUEST, relayFixture } from './relay-fixture.js';

const MiB = 1024 * 1024;
const TOTAL = 8 * MiB;
/** What may sit between a writer and a reader that reads nothing: the relay's window to the writer and the reader's window to the relay. */
const IN_FLIGHT = 2 * DEFAULT_STREAM_WINDOW;

/** Sends `total` bytes on a stream as fast as its windows allow (resuming on onWritable); returns a live count. */
function pump(conn: H2Connection, events: Recorder, id: number, total: number): { sent: number } {
  const state = { sent: 0 };
  const chunk = Buffer.alloc(64 * 1024, 7);
  const more = () => {
    while (state.sent < total) {
      const n = Math.min(chunk.length, total - state.sent);
      const taken = conn.sendData(id, chunk.subarray(0, n), state.sent + n === total);
      state.sent += taken;
      if (taken < n) return;
    }
  };
  events.on.onWritable = (sid) => sid === id && more();
  more();
  return state;
}

/** DATA bytes a recorder got on a stream. */
function received(events: Recorder, id: number): number {
  return events.of('data').reduce((n, e) => (e.id === id ? n + e.data.length : n), 0);
}

const settle = () => new Promise((r) => setTimeout(r, 300));

test('relay flow control - a response is held back while the caller reads nothing, then flows in full', async (t) => {
  const f = await relayFixture(t);
  const id = f.client.openStream(REQUEST, true);
  const request = await f.atUpstream.next('headers');
  f.upstream().sendHeaders(request.id, [[':status', '200'], ['content-type', 'application/grpc']], false);
  const writer = pump(f.upstream(), f.atUpstream, request.id, TOTAL);
  await settle();
  // The caller consumes nothing: the relay may take one window from upstream and pass one window on.
  t.true(writer.sent <= IN_FLIGHT, `the upstream could write ${writer.sent} bytes to a caller that reads nothing`);
  t.true(received(f.fromRelay, id) <= DEFAULT_STREAM_WINDOW);
  // The caller reads: everything flows.
  f.fromRelay.on.onData = (sid, data) => f.client.consume(sid, data.length);
  f.client.consume(id, received(f.fromRelay, id));
  await f.fromRelay.until(() => received(f.fromRelay, id) === TOTAL, 'the whole response');
  t.is(writer.sent, TOTAL);
});

test('relay flow control - a request body is held back while the upstream reads nothing, then flows in full', async (t) => {
  const f = await relayFixture(t);
  const id = f.client.openStream(REQUEST, false);
  const writer = pump(f.client, f.fromRelay, id, TOTAL);
  const request = await f.atUpstream.next('headers');
  await settle();
  t.true(writer.sent <= IN_FLIGHT, `the caller could write ${writer.sent} bytes to an upstream that reads nothing`);
  t.true(received(f.atUpstream, request.id) <= DEFAULT_STREAM_WINDOW);
  f.atUpstream.on.onData = (sid, data) => f.upstream().consume(sid, data.length);
  f.upstream().consume(request.id, received(f.atUpstream, request.id));
  await f.atUpstream.until(() => received(f.atUpstream, request.id) === TOTAL, 'the whole request');
  t.is(writer.sent, TOTAL);
  t.true(f.atUpstream.of('data').some((e) => e.id === request.id && e.end), 'END_STREAM came with the last byte');
});
