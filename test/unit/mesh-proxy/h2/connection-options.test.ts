// H2Connection options: defaults, validation naming the property, and closing before start.
import test from 'ava';
import { PassThrough } from 'node:stream';
import { DEFAULT_LIMITS, DEFAULT_SETTINGS, H2Connection, type H2ConnectionOptions } from '../../../../mesh-proxy/src/h2/index.js';
import { Recorder } from './recorder.js';

const make = (o: H2ConnectionOptions) => new H2Connection(new PassThrough(), new Recorder(), o);

test('h2 options - the defaults are the ones tuned for a proxy', (t) => {
  t.like(DEFAULT_SETTINGS, {
    maxConcurrentStreams: 1000,
    initialWindowSize: 1024 * 1024,
    maxFrameSize: 16384,
    maxHeaderListSize: 64 * 1024,
    enablePush: false,
    headerTableSize: 4096,
  });
  t.true(DEFAULT_LIMITS.resetBurst > 0 && DEFAULT_LIMITS.maxBufferedWriteBytes > 0);
});

for (const [label, options, property] of [
  ['a role', { role: 'proxy' }, 'role'],
  ['a max frame size below 16384', { role: 'server', settings: { maxFrameSize: 1000 } }, 'settings.maxFrameSize'],
  ['a window above 2^31-1', { role: 'server', settings: { initialWindowSize: 2 ** 31 } }, 'settings.initialWindowSize'],
  ['push', { role: 'client', settings: { enablePush: true } }, 'settings.enablePush'],
  ['a connection window below 65535', { role: 'client', connectionWindow: 1000 }, 'connectionWindow'],
  ['a negative limit', { role: 'server', limits: { maxBufferedWriteBytes: -1 } }, 'limits.maxBufferedWriteBytes'],
  ['a zero reset rate', { role: 'server', limits: { resetsPerSecond: 0 } }, 'limits.resetsPerSecond'],
  ['an even first stream id', { role: 'client', firstStreamId: 2 }, 'firstStreamId'],
] as const) {
  test(`h2 options - ${label} is refused, naming the property`, (t) => {
    const err = t.throws(() => make(options as unknown as H2ConnectionOptions), { instanceOf: RangeError });
    t.true(err?.message.startsWith(`${property}:`), err?.message);
  });
}

test('h2 options - a connection closed before start() is closed: closed resolves, ready rejects, onClose once', async (t) => {
  const rec = new Recorder();
  const socket = new PassThrough();
  const conn = new H2Connection(socket, rec, { role: 'client' });
  conn.close();
  await conn.closed;
  await t.throwsAsync(conn.ready);
  t.true(socket.destroyed);
  t.is(rec.of('close').length, 1);
  t.throws(() => conn.start(), { message: /closed/ });
  t.false(conn.canOpenStream());
});
