// A gRPC echo backend on grpc-js that speaks raw bytes (no protos), to test the sidecar with.
//
// Methods of service shopmesh.test.Echo, all echoing what they get:
//   Unary         the request message back
//   ServerStream  the request message back `x-echo-count` times (default 3)
//   ClientStream  all request messages concatenated
//   Bidi          each request message back as it arrives
// Request metadata steers it: x-echo-status (a gRPC code: answered before any message, i.e.
// trailers-only), x-echo-message or x-echo-message-bin (its grpc-message; -bin holds UTF-8), x-echo-delay-ms, and every x-echo-meta-*
// header (also -bin) is returned in the response headers and in the trailers.
// `stats` says what it saw (echo_server.py answers the same through shopmesh.test.EchoStats/Get).
import { Metadata, Server, ServerCredentials, type ServerDuplexStream, type ServerReadableStream, type ServerUnaryCall, type ServerWritableStream, type sendUnaryData, type ServiceDefinition } from '@grpc/grpc-js';

export const ECHO_SERVICE = 'shopmesh.test.Echo';
const raw = { requestSerialize: (b: Buffer) => b, requestDeserialize: (b: Buffer) => b, responseSerialize: (b: Buffer) => b, responseDeserialize: (b: Buffer) => b };

const definition: ServiceDefinition = {
  Unary: { path: `/${ECHO_SERVICE}/Unary`, requestStream: false, responseStream: false, ...raw },
  ServerStream: { path: `/${ECHO_SERVICE}/ServerStream`, requestStream: false, responseStream: true, ...raw },
  ClientStream: { path: `/${ECHO_SERVICE}/ClientStream`, requestStream: true, responseStream: false, ...raw },
  Bidi: { path: `/${ECHO_SERVICE}/Bidi`, requestStream: true, responseStream: true, ...raw },
};

export interface EchoServerStats {
  /** Calls seen, by method. */
  calls: Record<string, number>;
  /** Calls cancelled before the handler answered (client cancel or deadline). */
  cancelled: number;
  /** grpc-timeout of the last call as the server saw it (ms left), when one was set. */
  lastDeadlineMs: number | undefined;
  /** Request metadata of the last call. */
  lastMetadata: Metadata | undefined;
  /** Response messages of ServerStream and Bidi handed to grpc-js. */
  sent: number;
}

function echoed(md: Metadata): Metadata {
  const out = new Metadata();
  for (const [key, values] of Object.entries(md.getMap())) {
    if (key.startsWith('x-echo-meta-')) out.set(key, values as string | Buffer);
  }
  return out;
}

/** Status before any message when x-echo-status asks for one. */
function requestedError(md: Metadata): { code: number; details: string; metadata: Metadata } | undefined {
  const status = md.get('x-echo-status')[0];
  if (status === undefined) return undefined;
  const utf8 = md.get('x-echo-message-bin')[0];
  const details = Buffer.isBuffer(utf8) ? utf8.toString('utf8') : String(md.get('x-echo-message')[0] ?? 'echo error');
  return { code: Number(status), details, metadata: echoed(md) };
}

function delay(md: Metadata): Promise<void> {
  const ms = Number(md.get('x-echo-delay-ms')[0] ?? 0);
  return ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve();
}

export async function startEchoServer(port = 0, host = '127.0.0.1'): Promise<{ port: number; stats: EchoServerStats; stop(): Promise<void> }> {
  const stats: EchoServerStats = { calls: {}, cancelled: 0, lastDeadlineMs: undefined, lastMetadata: undefined, sent: 0 };
  /** Counts the call; returns what the handler calls once it answers. grpc-js emits 'cancelled' at the end of
   * every call, answered or not: only one that comes before the answer is a cancel (client, or deadline). */
  const seen = (method: string, call: { metadata: Metadata; getDeadline(): Date | number; on(e: 'cancelled', f: () => void): unknown }) => {
    stats.calls[method] = (stats.calls[method] ?? 0) + 1;
    stats.lastMetadata = call.metadata;
    const d = call.getDeadline();
    stats.lastDeadlineMs = d instanceof Date ? d.getTime() - Date.now() : Number.isFinite(d) ? d - Date.now() : undefined;
    let answered = false;
    call.on('cancelled', () => {
      if (!answered) stats.cancelled++;
    });
    return () => {
      answered = true;
    };
  };
  /** A reset also ends the request stream, and 'cancelled' comes a tick later: answer only if it did not come. */
  const unlessCancelled = (call: { cancelled: boolean }, answer: () => void) => setImmediate(() => call.cancelled || answer());
  const server = new Server({ 'grpc.max_receive_message_length': 64 * 1024 * 1024, 'grpc.max_send_message_length': 64 * 1024 * 1024 });
  server.addService(definition, {
    Unary: async (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
      const answer = seen('Unary', call);
      await delay(call.metadata);
      if (call.cancelled) return;
      answer();
      const err = requestedError(call.metadata);
      if (err) return callback(err);
      call.sendMetadata(echoed(call.metadata));
      callback(null, call.request, echoed(call.metadata));
    },
    ServerStream: async (call: ServerWritableStream<Buffer, Buffer>) => {
      const answer = seen('ServerStream', call);
      const err = requestedError(call.metadata);
      if (err) {
        answer();
        return call.emit('error', err);
      }
      call.sendMetadata(echoed(call.metadata));
      const count = Number(call.metadata.get('x-echo-count')[0] ?? 3);
      for (let i = 0; i < count && !call.cancelled; i++) {
        await delay(call.metadata);
        if (call.cancelled) return;
        const more = call.write(call.request);
        stats.sent++;
        if (!more) {
          await new Promise<void>((resolve) => {
            const done = () => {
              call.off('drain', done);
              call.off('cancelled', done);
              resolve();
            };
            call.on('drain', done);
            call.on('cancelled', done);
          });
        }
      }
      if (call.cancelled) return;
      answer();
      call.end(echoed(call.metadata));
    },
    ClientStream: (call: ServerReadableStream<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
      const answer = seen('ClientStream', call);
      const err = requestedError(call.metadata);
      if (err) {
        answer();
        return callback(err);
      }
      const parts: Buffer[] = [];
      call.on('data', (b: Buffer) => parts.push(b));
      call.on('end', () =>
        unlessCancelled(call, () => {
          answer();
          callback(null, Buffer.concat(parts), echoed(call.metadata));
        }),
      );
    },
    Bidi: (call: ServerDuplexStream<Buffer, Buffer>) => {
      const answer = seen('Bidi', call);
      const err = requestedError(call.metadata);
      if (err) {
        answer();
        return call.emit('error', err);
      }
      call.sendMetadata(echoed(call.metadata));
      call.on('data', (b: Buffer) => {
        call.write(b);
        stats.sent++;
      });
      call.on('end', () =>
        unlessCancelled(call, () => {
          answer();
          call.end(echoed(call.metadata));
        }),
      );
    },
  });
  const bound = await new Promise<number>((resolve, reject) => server.bindAsync(`${host}:${port}`, ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  return {
    port: bound,
    stats,
    stop: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => resolve());
        setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 2000).unref();
      }),
  };
}
