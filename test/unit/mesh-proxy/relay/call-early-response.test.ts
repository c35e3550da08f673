// An upstream that answers before the request is complete (RFC 9113 §8.1): the answer goes through as it is,
// and neither the caller's stream nor the upstream's is left half open.
import test from 'ava';
import { REQUEST, header, relayFixture } from './relay-fixture.js';

const RST_NO_ERROR = 0x0;

test('relay early response - a trailers-only error while the request is still open reaches the caller, and the upstream stream is closed', async (t) => {
  const f = await relayFixture(t);
  const id = f.client.openStream(REQUEST, false);
  f.client.sendData(id, Buffer.alloc(1000), false);
  const request = await f.atUpstream.next('headers');
  const error: Array<[string, string]> = [
    [':status', '200'],
    ['content-type', 'application/grpc'],
    ['grpc-status', '9'],
    ['grpc-message', 'caf%C3%A9 declined'],
  ];
  f.upstream().sendHeaders(request.id, error, true);
  const answer = await f.fromRelay.next('headers', (e) => e.id === id);
  t.true(answer.end);
  t.is(header(answer.headers, 'grpc-status'), '9');
  t.is(header(answer.headers, 'grpc-message'), 'caf%C3%A9 declined', 'as the upstream wrote it');
  t.is((await f.fromRelay.next('reset', (e) => e.id === id)).code, RST_NO_ERROR, 'the caller may stop sending');
  // The upstream's stream ended on its side only: the relay must close its own side too, or it stays
  // open on that connection for ever and counts against its MAX_CONCURRENT_STREAMS.
  const reset = await f.atUpstream.next('reset', (e) => e.id === request.id, 2000).catch(() => undefined);
  t.is(reset?.code, RST_NO_ERROR, 'the relay stops its request with RST_STREAM(NO_ERROR)');
  t.is(f.upstream().activeStreams, 0);
  t.is(f.listener.activeCalls, 0);
});

test('relay early response - a complete OK response while the request is still open goes through whole, and both request streams are stopped', async (t) => {
  const f = await relayFixture(t);
  const id = f.client.openStream(REQUEST, false);
  f.client.sendData(id, Buffer.alloc(1000), false);
  const request = await f.atUpstream.next('headers');
  const up = f.upstream();
  up.sendHeaders(request.id, [[':status', '200'], ['content-type', 'application/grpc']], false);
  up.sendData(request.id, Buffer.from([0, 0, 0, 0, 2, 0x68, 0x69]), false);
  up.sendHeaders(request.id, [['grpc-status', '0']], true);
  const trailers = await f.fromRelay.next('headers', (e) => e.id === id && e.end);
  t.is(header(trailers.headers, 'grpc-status'), '0');
  t.deepEqual(
    f.fromRelay.of('data').filter((e) => e.id === id).map((e) => [...e.data]),
    [[0, 0, 0, 0, 2, 0x68, 0x69]],
  );
  t.is((await f.fromRelay.next('reset', (e) => e.id === id)).code, RST_NO_ERROR);
  t.is((await f.atUpstream.next('reset', (e) => e.id === request.id)).code, RST_NO_ERROR);
  t.is(up.activeStreams, 0);
});
