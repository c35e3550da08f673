import test from 'ava';
import { once } from 'node:events';
import http2 from 'node:http2';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { HpackDecoder, HpackEncoder, type HeaderList } from '../../../../../mesh-proxy/src/h2/hpack/index.js';
import { countRepresentations, emptyCensus } from './census.js';
import {
  Flag,
  FrameType,
  PREFACE,
  Setting,
  describeGoaway,
  frame,
  headerFrames,
  parseSettings,
  readFrames,
  settingsFrame,
  windowUpdateFrame,
} from './frames.js';
import { RandomRequests, seededRandom } from './random-headers.js';

// Our encoder against nghttp2's decoder: a raw client socket sends HEADERS built by HpackEncoder
// to a node:http2 server, which answers each request with the raw header list it decoded (and the
// names it saw as never indexed). Midway the server changes SETTINGS_HEADER_TABLE_SIZE, so our
// encoder must send size updates; nghttp2 answers a bad block with GOAWAY COMPRESSION_ERROR.
// The response headers, encoded by nghttp2, go through our decoder as well.

const BATCHES = 40;
const PER_BATCH = 50;
const BATCH_TIMEOUT_MS = 10_000;
/** The server asks for this SETTINGS_HEADER_TABLE_SIZE while answering the request with this number. */
const TABLE_SIZE_AT_REQUEST = new Map([
  [300, 256],
  [700, 0],
  [900, 4096],
  [1200, 100],
  [1500, 1 << 20],
]);

interface Reflected {
  raw: string[];
  sensitive: string[];
}

/** What came back on a stream: the status our decoder read, and the reflection (none for 204/304). */
interface Answer {
  status: string;
  reflected?: Reflected;
}

/** The server answers with the status a request asks for: all of the static table's, and one it lacks. */
const STATUSES = ['200', '204', '206', '304', '400', '404', '500', '302'];
const NO_BODY = new Set(['204', '304']);

test('hpack - nghttp2 (node:http2 server) decodes every block our encoder sends, through table size changes', async (t) => {
  let served = 0;
  // The core API, not the compatibility one: that answers `expect` itself (417). Node passes the
  // received list as a fourth argument, which @types/node 20 does not declare.
  const onStream = (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, _flags: number, rawHeaders: string[]): void => {
    served++;
    const size = TABLE_SIZE_AT_REQUEST.get(served);
    if (size !== undefined) stream.session?.settings({ headerTableSize: size });
    const sensitive = ((headers as Record<symbol, unknown>)[http2.sensitiveHeaders] as string[] | undefined) ?? [];
    const status = Number(headers['x-status'] ?? 200);
    if (NO_BODY.has(String(status))) {
      stream.respond({ ':status': status }, { endStream: true });
      return;
    }
    stream.respond({ ':status': status, 'content-type': 'application/json' });
    stream.end(JSON.stringify({ raw: rawHeaders, sensitive } satisfies Reflected));
  };
  const server = http2.createServer();
  server.on('stream', onStream as (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, flags: number) => void);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const socket = net.connect(port, '127.0.0.1');
  t.teardown(() => {
    socket.destroy();
    server.close();
  });
  await once(socket, 'connect');

  const encoder = new HpackEncoder();
  const decoder = new HpackDecoder();
  const census = emptyCensus();
  const failures: string[] = [];
  const waiting = new Map<number, { body: Buffer[]; status?: string; done(answer: Answer | undefined): void }>();
  const failAll = (message: string): void => {
    failures.push(message);
    for (const { done } of waiting.values()) done(undefined);
    waiting.clear();
  };
  let peerSizeChanges = 0;

  readFrames(socket, {
    onFrame(f) {
      switch (f.type) {
        case FrameType.SETTINGS: {
          if (f.flags & Flag.ACK) return;
          const size = parseSettings(f.payload).get(Setting.HEADER_TABLE_SIZE);
          if (size !== undefined) {
            encoder.setPeerMaxTableSize(size);
            peerSizeChanges++;
          }
          socket.write(frame(FrameType.SETTINGS, Flag.ACK, 0));
          return;
        }
        case FrameType.DATA: {
          const stream = waiting.get(f.streamId);
          stream?.body.push(Buffer.from(f.payload));
          if (stream && f.flags & Flag.END_STREAM) {
            waiting.delete(f.streamId);
            stream.done({ status: stream.status ?? '', reflected: JSON.parse(Buffer.concat(stream.body).toString('utf8')) as Reflected });
          }
          return;
        }
        case FrameType.RST_STREAM:
          failures.push(`stream ${f.streamId} reset with error code ${f.payload.readUInt32BE(0)}`);
          waiting.get(f.streamId)?.done(undefined);
          waiting.delete(f.streamId);
          return;
        case FrameType.GOAWAY:
          failAll(`server sent ${describeGoaway(f.payload)}`);
          return;
        case FrameType.PING:
          if (!(f.flags & Flag.ACK)) socket.write(frame(FrameType.PING, Flag.ACK, 0, f.payload));
          return;
      }
    },
    onHeaders(h) {
      let headers: HeaderList;
      try {
        headers = decoder.decode(h.block);
      } catch (error) {
        failAll(`response on stream ${h.streamId}: ${(error as Error).message}`);
        return;
      }
      const stream = waiting.get(h.streamId);
      if (stream === undefined || headers[0]?.[0] !== ':status') {
        failures.push(`stream ${h.streamId}: unexpected response ${JSON.stringify(headers)}`);
        return;
      }
      stream.status = headers[0][1];
      if (h.endStream) {
        waiting.delete(h.streamId);
        stream.done({ status: stream.status });
      }
    },
    onError: (error) => failAll(error.message),
  });
  socket.on('close', () => failAll('server closed the connection'));

  // A large stream window and connection window, so no response waits on flow control.
  socket.write(
    Buffer.concat([PREFACE, settingsFrame([[Setting.INITIAL_WINDOW_SIZE, 1 << 24]]), windowUpdateFrame(0, 1 << 30)]),
  );

  // Field values as RFC 9110 §5.5 allows them (nghttp2 drops fields with control octets, silently).
  const requests = new RandomRequests(424242, `127.0.0.1:${port}`, 'field-value');
  const random = seededRandom(5);
  let streamId = 1;
  let continued = 0;
  const checks: Array<Promise<void>> = [];
  for (let batch = 0; batch < BATCHES && failures.length === 0; batch++) {
    const frames: Buffer[] = [];
    for (let i = 0; i < PER_BATCH; i++) {
      const status = STATUSES[(batch * PER_BATCH + i) % STATUSES.length]!;
      const list = i % 10 === 0 ? requests.staticProbe() : requests.next();
      list.push(['x-status', status]);
      const custom = list.flatMap(([name], at) => (name.startsWith('x-') ? [at] : []));
      const neverIndex = custom.length > 0 && random() < 0.1 ? [custom[Math.floor(random() * custom.length)]!] : [];
      const block = encoder.encode(list, neverIndex);
      countRepresentations(block, census);
      const id = streamId;
      streamId += 2;
      const framed = headerFrames(id, block, true);
      if (framed.length > 1) continued++;
      frames.push(...framed);
      const expectSensitive = new Set([
        ...neverIndex.map((at) => list[at]![0]),
        ...list.map(([name]) => name).filter((name) => ['authorization', 'proxy-authorization', 'cookie', 'set-cookie'].includes(name)),
      ]);
      checks.push(
        new Promise<Answer | undefined>((done) => waiting.set(id, { body: [], done })).then((answer) => {
          if (answer === undefined) return;
          t.is(answer.status, status, `stream ${id}: the status nghttp2 encoded`);
          const reflected = answer.reflected;
          if (reflected === undefined) return;
          t.deepEqual(reflected.raw, list.flat(), `stream ${id}`);
          t.deepEqual([...new Set(reflected.sensitive)].sort(), [...expectSensitive].sort(), `stream ${id}: never-indexed names`);
        }),
      );
    }
    socket.write(Buffer.concat(frames));
    const deadline = setTimeout(() => failAll(`batch ${batch} did not finish in ${BATCH_TIMEOUT_MS} ms`), BATCH_TIMEOUT_MS);
    await Promise.all(checks.splice(0));
    clearTimeout(deadline);
  }

  t.deepEqual(failures, []);
  t.is(served, BATCHES * PER_BATCH);
  t.is(peerSizeChanges, TABLE_SIZE_AT_REQUEST.size, 'the server changed its table size mid-way');
  t.true(census.sizeUpdates >= TABLE_SIZE_AT_REQUEST.size - 1, `${census.sizeUpdates} size updates sent`);
  t.true(continued > 0, 'some blocks went out as HEADERS + CONTINUATION');
  for (const [kind, count] of Object.entries(census)) t.true(count > 0, `we sent no ${kind}`);
});
