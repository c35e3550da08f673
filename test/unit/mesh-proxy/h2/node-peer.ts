// node:http2 (nghttp2) as the interop peer: a call helper for its client, and a guard that nothing escapes as an uncaught exception.
import type { ExecutionContext } from 'ava';
import http2 from 'node:http2';

export interface NodeCallResult {
  status: number;
  headers: http2.IncomingHttpHeaders;
  /** The response ended in its HEADERS frame (trailers-only). */
  endedWithHeaders: boolean;
  data: Buffer;
  trailers: http2.IncomingHttpHeaders | undefined;
  rstCode: number | undefined;
}

/** One request on a node:http2 client session; `body` written in one go, then optional trailers. */
export function nodeCall(
  session: http2.ClientHttp2Session,
  headers: http2.OutgoingHttpHeaders,
  body?: Buffer,
  trailers?: http2.OutgoingHttpHeaders,
): Promise<NodeCallResult> {
  return new Promise((resolve, reject) => {
    const req = session.request({ ':method': 'POST', 'content-type': 'application/grpc', te: 'trailers', ...headers }, { waitForTrailers: trailers !== undefined });
    const result: NodeCallResult = { status: 0, headers: {}, endedWithHeaders: false, data: Buffer.alloc(0), trailers: undefined, rstCode: undefined };
    const chunks: Buffer[] = [];
    req.on('response', (h, flags) => {
      result.status = Number(h[':status']);
      result.headers = h;
      result.endedWithHeaders = (flags & http2.constants.NGHTTP2_FLAG_END_STREAM) !== 0;
    });
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('trailers', (t) => (result.trailers = t));
    req.on('wantTrailers', () => req.sendTrailers(trailers ?? {}));
    req.on('error', (err) => {
      if (!('code' in err) || err.code !== 'ERR_HTTP2_STREAM_ERROR') reject(err);
    });
    req.on('close', () => {
      result.data = Buffer.concat(chunks);
      result.rstCode = req.rstCode === http2.constants.NGHTTP2_NO_ERROR ? undefined : req.rstCode;
      resolve(result);
    });
    void writeAll(req, body ?? Buffer.alloc(0)).then(() => req.end(), reject);
  });
}

/** Writes `body` in pieces, waiting for 'drain': node:http2 resets a stream whose buffered output exceeds maxSessionMemory. */
export async function writeAll(stream: http2.ClientHttp2Stream | http2.ServerHttp2Stream, body: Buffer): Promise<void> {
  const piece = 256 * 1024;
  for (let off = 0; off < body.length; off += piece) {
    if (stream.destroyed) return;
    if (!stream.write(body.subarray(off, off + piece))) await new Promise((r) => stream.once('drain', r));
  }
}

/** Records uncaught exceptions and unhandled rejections; `check(t)` asserts there were none. */
export function guardUncaught(): { check(t: ExecutionContext): void } {
  const seen: unknown[] = [];
  process.on('uncaughtException', (err) => seen.push(err));
  process.on('unhandledRejection', (err) => seen.push(err));
  return {
    check(t) {
      t.deepEqual(seen, [], 'no uncaught exception or unhandled rejection');
    },
  };
}

export async function closeSession(session: http2.ClientHttp2Session | http2.ServerHttp2Session): Promise<void> {
  if (session.destroyed) return;
  await new Promise<void>((resolve) => {
    session.close(resolve);
    setTimeout(() => {
      session.destroy();
      resolve();
    }, 1000).unref();
  });
}
