// A gRPC caller on our own HTTP/2 engine, for what grpc-js will not do: read at a chosen pace
// (credit given back by hand) or let its deadline pass without resetting the stream.
import { connect } from 'node:net';
import { H2Connection, type H2Handler, type HeaderList } from '../../../mesh-proxy/src/h2/index.js';
import { ECHO_SERVICE } from './echo-server.js';

const RST_CANCEL = 0x8;

/** One length-prefixed gRPC message (uncompressed). */
export function grpcFrame(message: Buffer): Buffer {
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(message.length, 1);
  return Buffer.concat([prefix, message]);
}

export interface RawCallOptions {
  /** Extra request headers (grpc-timeout, x-echo-*). */
  headers?: HeaderList;
  /** Request messages, sent as the windows allow. */
  messages?: Buffer[];
  /** End the request stream after the messages (default); false leaves it open (a bidi caller still talking). */
  endRequest?: boolean;
  /** Credit DATA back as it arrives (default); false: the test calls consume() itself. */
  autoConsume?: boolean;
  /** Each DATA chunk as it arrives. */
  onData?: (chunk: Buffer) => void;
}

export interface RawCallEnd {
  /** Response headers; for a trailers-only response, its only HEADERS. */
  headers: HeaderList | undefined;
  trailers: HeaderList | undefined;
  /** RST_STREAM code when the stream was reset instead. */
  resetCode: number | undefined;
  bytes: number;
  elapsedMs: number;
}

export interface RawCall {
  readonly streamId: number;
  /** Gives back `bytes` of receive window (when autoConsume is false). */
  consume(bytes: number): void;
  /** RST_STREAM with `code` (CANCEL 0x8 by default), and nothing else: no END_STREAM first, as grpc-js sends. */
  reset(code?: number): void;
  readonly ended: Promise<RawCallEnd>;
}

interface Pending {
  o: RawCallOptions;
  /** Request bytes the windows did not take yet, and whether END_STREAM goes with the last. */
  unsent: Buffer;
  endRequest: boolean;
  end: RawCallEnd;
  started: number;
  resolve(end: RawCallEnd): void;
}

export class RawGrpcClient implements H2Handler {
  private readonly calls = new Map<number, Pending>();
  private conn!: H2Connection;

  private constructor() {}

  static async connect(port: number, host = '127.0.0.1'): Promise<RawGrpcClient> {
    const socket = connect({ host, port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const client = new RawGrpcClient();
    client.conn = new H2Connection(socket, client, { role: 'client' });
    client.conn.start();
    await client.conn.ready;
    return client;
  }

  /** Starts a call of the echo service's `method` (any name: the proxy never looks). */
  call(method: string, o: RawCallOptions = {}): RawCall {
    const headers: HeaderList = [
      [':method', 'POST'],
      [':scheme', 'http'],
      [':path', `/${ECHO_SERVICE}/${method}`],
      [':authority', 'echo'],
      ['content-type', 'application/grpc'],
      ['te', 'trailers'],
      ...(o.headers ?? []),
    ];
    const body = Buffer.concat((o.messages ?? []).map(grpcFrame));
    const endRequest = o.endRequest !== false;
    const id = this.conn.openStream(headers, endRequest && body.length === 0);
    let resolve!: (end: RawCallEnd) => void;
    const ended = new Promise<RawCallEnd>((r) => (resolve = r));
    const p: Pending = { o, unsent: body, endRequest, resolve, started: performance.now(), end: { headers: undefined, trailers: undefined, resetCode: undefined, bytes: 0, elapsedMs: 0 } };
    this.calls.set(id, p);
    this.sendMore(id, p);
    return {
      streamId: id,
      consume: (n) => this.conn.consume(id, n),
      reset: (code = RST_CANCEL) => {
        this.conn.reset(id, code);
        const p = this.calls.get(id);
        if (p !== undefined) {
          p.end.resetCode = code;
          this.finish(id, p);
        }
      },
      ended,
    };
  }

  close(): Promise<void> {
    this.conn.close();
    return this.conn.closed;
  }

  onHeaders(streamId: number, headers: HeaderList, endStream: boolean): void {
    const p = this.calls.get(streamId);
    if (p === undefined) return;
    if (p.end.headers === undefined) p.end.headers = headers;
    else p.end.trailers = headers;
    if (endStream) this.finish(streamId, p);
  }

  onData(streamId: number, data: Buffer, endStream: boolean): void {
    const p = this.calls.get(streamId);
    if (p === undefined) return;
    p.end.bytes += data.length;
    p.o.onData?.(data);
    if (p.o.autoConsume !== false) this.conn.consume(streamId, data.length);
    if (endStream) this.finish(streamId, p);
  }

  onReset(streamId: number, code: number): void {
    const p = this.calls.get(streamId);
    if (p === undefined) return;
    p.end.resetCode = code;
    this.finish(streamId, p);
  }

  onWritable(streamId: number): void {
    const p = this.calls.get(streamId);
    if (p !== undefined) this.sendMore(streamId, p);
  }

  onGoaway(): void {}

  onClose(): void {
    for (const [id, p] of [...this.calls]) {
      p.end.resetCode ??= -1;
      this.finish(id, p);
    }
  }

  private sendMore(id: number, p: Pending): void {
    if (p.unsent.length === 0) return;
    const taken = this.conn.sendData(id, p.unsent, p.endRequest);
    p.unsent = p.unsent.subarray(taken);
  }

  private finish(id: number, p: Pending): void {
    this.calls.delete(id);
    p.end.elapsedMs = performance.now() - p.started;
    p.resolve(p.end);
  }
}

/** Value of a header by name. */
export function header(headers: HeaderList | undefined, name: string): string | undefined {
  return headers?.find((h) => h[0] === name)?.[1];
}
