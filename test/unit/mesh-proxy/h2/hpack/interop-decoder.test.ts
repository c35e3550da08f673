import test from 'ava';
import { once } from 'node:events';
import http2 from 'node:http2';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { HpackDecoder, HpackEncoder, type HeaderList } from '../../../../../mesh-proxy/src/h2/hpack/index.js';
import {
  ErrorCode,
  Flag,
  FrameType,
  Setting,
  describeGoaway,
  frame,
  headerFrames,
  readFrames,
  settingsFrame,
} from './frames.js';
import { countRepresentations, emptyCensus } from './census.js';
import { RandomRequests, seededRandom } from './random-headers.js';

// Our decoder against nghttp2's encoder: a node:http2 client sends random requests on one
// connection to a raw TCP server that parses frames and decodes every header block with
// HpackDecoder. Midway the server changes SETTINGS_HEADER_TABLE_SIZE, so nghttp2 sends
// size updates; it also marks some fields sensitive, so it sends never-indexed literals.
// Responses go back encoded by HpackEncoder, which nghttp2 decodes: a bad block fails the request.

const BATCHES = 20;
const PER_BATCH = 100;
const BATCH_TIMEOUT_MS = 10_000;
/** SETTINGS_HEADER_TABLE_SIZE the server announces before these batches. */
const TABLE_SIZE_BEFORE_BATCH = new Map([
  [5, 512],
  [8, 0],
  [10, 4096],
  [13, 100],
  [16, 65536],
]);

/** Responses cycle through the static table's statuses (and one it lacks), so nghttp2 decodes each index. */
const STATUSES = ['200', '204', '206', '304', '400', '404', '500', '302'];
const statusFor = (streamId: number): string => STATUSES[((streamId - 1) / 2) % STATUSES.length]!;

/** What node:http2 sends for a header object: pseudo-fields first, then each name's values in key order. */
function asNodeSends(list: HeaderList): { headers: http2.OutgoingHttpHeaders; order: HeaderList } {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of list) {
    const seen = headers[name];
    headers[name] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  const order: HeaderList = [];
  const keys = Object.keys(headers);
  for (const key of [...keys.filter((k) => k.startsWith(':')), ...keys.filter((k) => !k.startsWith(':'))]) {
    const value = headers[key]!;
    for (const v of Array.isArray(value) ? value : [value]) order.push([key, v]);
  }
  return { headers, order };
}

test('hpack - decodes every header block nghttp2 (node:http2 client) sends on one connection', async (t) => {
  const decoder = new HpackDecoder();
  const responseEncoder = new HpackEncoder();
  const received = new Map<number, { headers: HeaderList; neverIndexed: number[] }>();
  const census = emptyCensus();
  let continued = 0;
  const failures: string[] = [];
  let serverSocket: net.Socket | undefined;
  let tableSizeAtAck: number | undefined;

  const server = net.createServer((socket) => {
    serverSocket = socket;
    socket.write(settingsFrame());
    const fail = (message: string, code: number = ErrorCode.PROTOCOL_ERROR): void => {
      failures.push(message);
      const goaway = Buffer.alloc(8);
      goaway.writeUInt32BE(code, 4);
      socket.end(frame(FrameType.GOAWAY, 0, 0, goaway));
    };
    readFrames(socket, {
      preface: true,
      onFrame(f) {
        if (f.type === FrameType.SETTINGS && f.flags & Flag.ACK) {
          // nghttp2 encodes under the new limit only after it ACKs: apply it here, in stream order.
          if (tableSizeAtAck !== undefined) decoder.setMaxTableSize(tableSizeAtAck);
          tableSizeAtAck = undefined;
        } else if (f.type === FrameType.SETTINGS) {
          socket.write(frame(FrameType.SETTINGS, Flag.ACK, 0));
        } else if (f.type === FrameType.PING && !(f.flags & Flag.ACK)) {
          socket.write(frame(FrameType.PING, Flag.ACK, 0, f.payload));
        } else if (f.type === FrameType.GOAWAY) {
          failures.push(`client sent ${describeGoaway(f.payload)}`);
        }
      },
      onHeaders(h) {
        try {
          const headers = decoder.decode(h.block);
          received.set(h.streamId, { headers, neverIndexed: [...decoder.neverIndexed] });
          countRepresentations(h.block, census);
          if (h.frames > 1) continued++;
        } catch (error) {
          fail(`stream ${h.streamId}: ${(error as Error).message}`, ErrorCode.COMPRESSION_ERROR);
          return;
        }
        const response = responseEncoder.encode([
          [':status', statusFor(h.streamId)],
          ['content-type', 'application/grpc'],
          ['x-stream', String(h.streamId)],
        ]);
        for (const f of headerFrames(h.streamId, response, true)) socket.write(f);
      },
      onError: (error) => fail(error.message),
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const session = http2.connect(`http://127.0.0.1:${port}`);
  t.teardown(() => {
    session.destroy();
    serverSocket?.destroy();
    server.close();
  });
  session.on('error', (error) => failures.push(`client session: ${error.message}`));

  const requests = new RandomRequests(20260101, `127.0.0.1:${port}`);
  const random = seededRandom(99);
  const sent = new Map<number, { order: HeaderList; sensitive: string[] }>();
  const request = (list: HeaderList): Promise<void> => {
    const { headers, order } = asNodeSends(list);
    const custom = order.map(([name]) => name).filter((name) => name.startsWith('x-'));
    const sensitive = custom.length > 0 && random() < 0.1 ? [custom[Math.floor(random() * custom.length)]!] : [];
    const req = session.request({ ...headers, [http2.sensitiveHeaders]: sensitive }, { endStream: true });
    return new Promise((resolve) => {
      // On a connected session the id comes synchronously and 'ready' has already fired.
      if (req.id !== undefined) sent.set(req.id, { order, sensitive });
      else req.on('ready', () => sent.set(req.id!, { order, sensitive }));
      req.on('response', (response) => {
        if (response['x-stream'] !== String(req.id) || String(response[':status']) !== statusFor(req.id!)) {
          failures.push(`stream ${req.id}: response headers ${JSON.stringify(response)}`);
        }
      });
      req.on('error', (error) => failures.push(`stream ${req.id}: ${error.message}`));
      req.on('close', () => resolve());
      req.resume();
    });
  };

  for (let batch = 0; batch < BATCHES && failures.length === 0; batch++) {
    const size = TABLE_SIZE_BEFORE_BATCH.get(batch);
    if (size !== undefined) {
      tableSizeAtAck = size;
      serverSocket!.write(settingsFrame([[Setting.HEADER_TABLE_SIZE, size]]));
    }
    // A lost request must fail the test, not hang it: end the session, which closes every stream.
    const deadline = setTimeout(() => {
      failures.push(`batch ${batch} did not finish in ${BATCH_TIMEOUT_MS} ms`);
      session.destroy();
    }, BATCH_TIMEOUT_MS);
    await Promise.all(Array.from({ length: PER_BATCH }, (_, i) => request(i % 10 === 0 ? requests.staticProbe() : requests.next())));
    clearTimeout(deadline);
  }

  t.deepEqual(failures, []);
  t.is(sent.size, BATCHES * PER_BATCH);
  for (const [id, { order, sensitive }] of sent) {
    const got = received.get(id);
    if (got === undefined) {
      t.fail(`stream ${id} never arrived`);
      continue;
    }
    t.deepEqual(got.headers, order, `stream ${id}`);
    for (const name of sensitive) {
      const at = order.findIndex(([n]) => n === name);
      t.true(got.neverIndexed.includes(at), `stream ${id}: ${name} was sent never indexed`);
    }
    for (const at of got.neverIndexed) {
      const name = order[at]![0];
      t.true(sensitive.includes(name) || name === 'authorization' || name === 'cookie', `stream ${id}: ${name} never indexed`);
    }
  }
  // Evidence that nghttp2 used its dynamic table and Huffman coding, not just literals.
  // Evidence that nghttp2 used every representation we mean to have tested against it.
  for (const [kind, count] of Object.entries(census)) t.true(count > 0, `nghttp2 sent no ${kind}`);
  t.true(census.sizeUpdates >= TABLE_SIZE_BEFORE_BATCH.size - 1, `${census.sizeUpdates} size updates`);
  t.true(continued > 0, 'some blocks came in HEADERS + CONTINUATION');
  t.true(census.indexedDynamic > sent.size, `${census.indexedDynamic} references to dynamic entries`);
});
