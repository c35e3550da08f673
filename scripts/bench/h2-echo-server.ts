// The bench's cheapest gRPC echo backend, run as its own process: our H2Connection in the server role, no gRPC library.
//
// Every request stream is answered `:status 200` + `content-type: application/grpc` when its headers
// arrive, its DATA is echoed as it comes (message framing untouched: a request of N gRPC messages is N
// messages back), and its END_STREAM is answered with trailers `grpc-status: 0`. Nothing is decoded, so
// what the bench measures around it is the proxy, not the backend.
//
//   node --import tsx scripts/bench/h2-echo-server.ts [port]    prints "listening <port>" once bound
import { createServer, type Socket } from 'node:net';
import { H2Connection, type H2Handler, type HeaderList } from '../../mesh-proxy/src/h2/index.js';

const RESPONSE_HEADERS: HeaderList = [
  [':status', '200'],
  ['content-type', 'application/grpc'],
];
const TRAILERS: HeaderList = [['grpc-status', '0']];

/** What a stream whose echo the send windows held back still owes: its unsent bytes, then maybe its trailers. */
interface Backlog {
  chunks: Buffer[];
  ended: boolean;
}

/** One client connection: echoes each stream, parking only the streams that flow control holds back. */
class EchoConnection implements H2Handler {
  conn!: H2Connection;
  /** Streams answered with response headers and not ended yet. */
  private readonly open = new Set<number>();
  private readonly backlog = new Map<number, Backlog>();

  onHeaders(streamId: number, _headers: HeaderList, endStream: boolean): void {
    // The first HEADERS of a stream is the request; a later one (always END_STREAM) is request trailers.
    if (!this.open.has(streamId)) {
      this.open.add(streamId);
      this.conn.sendHeaders(streamId, RESPONSE_HEADERS, false);
    }
    if (endStream) this.end(streamId);
  }

  onData(streamId: number, data: Buffer, endStream: boolean): void {
    const parked = this.backlog.get(streamId);
    if (data.length > 0) {
      if (parked !== undefined) parked.chunks.push(data);
      else {
        const taken = this.conn.sendData(streamId, data, false);
        this.conn.consume(streamId, taken);
        if (taken < data.length) this.backlog.set(streamId, { chunks: [data.subarray(taken)], ended: false });
      }
    }
    if (endStream) this.end(streamId);
  }

  onReset(streamId: number): void {
    this.open.delete(streamId);
    this.backlog.delete(streamId);
  }

  onWritable(streamId: number): void {
    const parked = this.backlog.get(streamId);
    if (parked === undefined) return;
    while (parked.chunks.length > 0) {
      const chunk = parked.chunks[0]!;
      const taken = this.conn.sendData(streamId, chunk, false);
      this.conn.consume(streamId, taken);
      if (taken < chunk.length) {
        parked.chunks[0] = chunk.subarray(taken);
        return;
      }
      parked.chunks.shift();
    }
    this.backlog.delete(streamId);
    if (parked.ended) this.conn.sendHeaders(streamId, TRAILERS, true);
  }

  onGoaway(): void {}

  onClose(): void {
    this.open.clear();
    this.backlog.clear();
  }

  /** The request is complete: trailers now, or once the parked echo is out. */
  private end(streamId: number): void {
    this.open.delete(streamId);
    const parked = this.backlog.get(streamId);
    if (parked !== undefined) parked.ended = true;
    else this.conn.sendHeaders(streamId, TRAILERS, true);
  }
}

const port = Number(process.argv[2] ?? 0);
const server = createServer({ noDelay: true }, (socket: Socket) => {
  socket.on('error', () => undefined); // the connection reports the close
  const handler = new EchoConnection();
  handler.conn = new H2Connection(socket, handler, { role: 'server' });
  handler.conn.start();
});
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`listening ${(server.address() as { port: number }).port}\n`);
});
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => process.exit(0));
