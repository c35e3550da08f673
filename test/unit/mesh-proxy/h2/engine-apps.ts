// Small programs on the engine for interop tests: a server that answers by the request's x-mode, and a client that makes calls.
import net from 'node:net';
import {
  ErrorCode,
  H2Connection,
  type H2ConnectionOptions,
  type H2Handler,
  type HeaderList,
} from '../../../../mesh-proxy/src/h2/index.js';

const EMPTY = Buffer.alloc(0);

/** What is waiting to go out on one stream: DATA chunks, then END_STREAM or trailers. */
interface Queue {
  chunks: Buffer[];
  end: false | true | HeaderList;
}

/** Keeps what sendData did not take and sends it on onWritable: the back-pressure loop every engine user needs. */
export class Outbox {
  private readonly queues = new Map<number, Queue>();
  conn!: H2Connection;

  /** Queues `data`; `end`: true ends with the last octet, a header list ends with those trailers. */
  send(id: number, data: Buffer, end: Queue['end'] = false): void {
    let q = this.queues.get(id);
    if (q === undefined) this.queues.set(id, (q = { chunks: [], end: false }));
    if (data.length > 0) q.chunks.push(data);
    if (end !== false) q.end = end;
    this.pump(id);
  }

  pump(id: number): void {
    const q = this.queues.get(id);
    if (q === undefined) return;
    while (q.chunks.length > 0) {
      const chunk = q.chunks[0]!;
      const last = q.chunks.length === 1 && q.end === true;
      const n = this.conn.sendData(id, chunk, last);
      if (n < chunk.length) {
        q.chunks[0] = chunk.subarray(n);
        return;
      }
      q.chunks.shift();
      if (last) {
        this.queues.delete(id);
        return;
      }
    }
    if (q.end === true) this.conn.sendData(id, EMPTY, true);
    else if (q.end !== false) this.conn.sendHeaders(id, q.end, true);
    else return;
    this.queues.delete(id);
  }

  drop(id: number): void {
    this.queues.delete(id);
  }
}

/** Per-stream accounting of octets delivered and not consumed, to check flow control holds the peer back. */
export class BufferMeter {
  private readonly perStream = new Map<number, number>();
  total = 0;
  maxTotal = 0;
  maxStream = 0;

  add(id: number, n: number): void {
    const v = (this.perStream.get(id) ?? 0) + n;
    this.perStream.set(id, v);
    this.total += n;
    this.maxStream = Math.max(this.maxStream, v);
    this.maxTotal = Math.max(this.maxTotal, this.total);
  }

  take(id: number, n: number): void {
    this.perStream.set(id, (this.perStream.get(id) ?? 0) - n);
    this.total -= n;
  }

  of(id: number): number {
    return this.perStream.get(id) ?? 0;
  }
}

const header = (headers: HeaderList, name: string) => headers.find(([n]) => n === name)?.[1];

/**
 * The server role answering by x-mode:
 *   echo (default): response headers at once, every DATA echoed, trailers when the request ends;
 *   sink: nothing echoed, DATA consumed slowly (x-consume-per-tick octets per 5 ms), a count in the trailers;
 *   download: x-size octets of response body;
 *   big-headers: response headers and trailers with x-size octets of header values;
 *   hold: response headers, then nothing until the client resets the stream.
 */
export class EngineServer implements H2Handler {
  readonly conns: H2Connection[] = [];
  readonly requests = new Map<number, { headers: HeaderList; trailers?: HeaderList; received: number; reset?: number }>();
  readonly meter = new BufferMeter();
  closeErrors: Array<Error | undefined> = [];
  private conn!: H2Connection;
  private readonly outbox = new Outbox();
  private timers = new Set<NodeJS.Timeout>();

  constructor(readonly options: Partial<H2ConnectionOptions> = {}) {}

  /** A net.Server whose connections this handler serves (one handler per connection). */
  static async listen(options: Partial<H2ConnectionOptions> = {}): Promise<{ server: net.Server; port: number; handlers: EngineServer[] }> {
    const handlers: EngineServer[] = [];
    const server = net.createServer((socket) => {
      const h = new EngineServer(options);
      handlers.push(h);
      h.attach(socket);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { server, port: (server.address() as net.AddressInfo).port, handlers };
  }

  attach(socket: net.Socket): void {
    this.conn = new H2Connection(socket, this, { role: 'server', ...this.options });
    this.outbox.conn = this.conn;
    this.conns.push(this.conn);
    this.conn.start();
  }

  onHeaders(id: number, headers: HeaderList, end: boolean): void {
    const req = this.requests.get(id);
    if (req !== undefined) {
      req.trailers = headers;
      this.finish(id);
      return;
    }
    this.requests.set(id, { headers, received: 0 });
    const mode = header(headers, 'x-mode') ?? 'echo';
    const size = Number(header(headers, 'x-size') ?? 0);
    const response: HeaderList = [[':status', '200'], ['content-type', 'application/grpc']];
    if (mode === 'big-headers') response.push(['x-big', 'r'.repeat(size)]);
    this.conn.sendHeaders(id, response, false);
    if (mode === 'sink') {
      const perTick = Number(header(headers, 'x-consume-per-tick') ?? 65536);
      const timer = setInterval(() => {
        const n = Math.min(perTick, this.meter.of(id));
        if (n > 0) {
          this.meter.take(id, n);
          this.conn.consume(id, n);
        }
      }, 5);
      this.timers.add(timer);
    }
    if (mode === 'download') this.outbox.send(id, Buffer.alloc(size, 0x61));
    if (end) this.finish(id);
  }

  onData(id: number, data: Buffer, end: boolean): void {
    const req = this.requests.get(id)!;
    req.received += data.length;
    const mode = header(req.headers, 'x-mode') ?? 'echo';
    if (mode === 'sink') this.meter.add(id, data.length);
    else {
      if (data.length > 0) this.outbox.send(id, data);
      this.conn.consume(id, data.length);
    }
    if (end) this.finish(id);
  }

  onReset(id: number, code: number): void {
    const req = this.requests.get(id);
    if (req !== undefined) req.reset = code;
    this.outbox.drop(id);
  }

  onWritable(id: number): void {
    this.outbox.pump(id);
  }

  onGoaway(): void {}

  onClose(err: Error | undefined): void {
    this.closeErrors.push(err);
    for (const t of this.timers) clearInterval(t);
  }

  private finish(id: number): void {
    const req = this.requests.get(id)!;
    if (header(req.headers, 'x-mode') === 'hold') return;
    const trailers: HeaderList = [
      ['grpc-status', '0'],
      ['x-received', String(req.received)],
    ];
    if (req.trailers !== undefined) trailers.push(['x-request-trailers', req.trailers.map(([n, v]) => `${n}=${v}`).join(',')]);
    if (header(req.headers, 'x-mode') === 'big-headers') trailers.push(['x-big-trailer', 't'.repeat(Number(header(req.headers, 'x-size')))]);
    this.outbox.send(id, EMPTY, trailers);
  }
}

export interface CallResult {
  id: number;
  /** Every header list received, in order: 1xx, response, trailers. */
  headers: Array<{ headers: HeaderList; end: boolean }>;
  data: Buffer;
  reset?: number;
}

interface PendingCall {
  result: CallResult;
  chunks: Buffer[];
  resolve: (r: CallResult) => void;
  onData?: (data: Buffer) => void;
}

/** The client role making calls, each a promise of everything that came back. */
export class EngineClient implements H2Handler {
  conn!: H2Connection;
  readonly meter = new BufferMeter();
  readonly goaways: Array<{ last: number; code: number }> = [];
  closeError: Error | undefined;
  closedCalled = false;
  /** How received DATA is given back: at once by default; tests may hold it. */
  consumeNow = true;
  private readonly outbox = new Outbox();
  private readonly calls = new Map<number, PendingCall>();

  static async connect(port: number, options: Partial<H2ConnectionOptions> = {}): Promise<EngineClient> {
    const socket = net.connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const c = new EngineClient();
    c.conn = new H2Connection(socket, c, { role: 'client', ...options });
    c.outbox.conn = c.conn;
    c.conn.start();
    await c.conn.ready;
    return c;
  }

  /** Opens a call now (the caller checked canOpenStream), sends `body`, then END_STREAM or `trailers`. */
  call(headers: HeaderList, body: Buffer = EMPTY, trailers?: HeaderList): Promise<CallResult> {
    const endOnHeaders = body.length === 0 && trailers === undefined;
    const id = this.conn.openStream(headers, endOnHeaders);
    const promise = new Promise<CallResult>((resolve) => {
      this.calls.set(id, { result: { id, headers: [], data: EMPTY }, chunks: [], resolve });
    });
    if (!endOnHeaders) this.outbox.send(id, body, trailers ?? true);
    return promise;
  }

  /** Opens a stream whose body the caller writes with write(); `onData` sees each DATA as it comes. */
  open(headers: HeaderList, onData?: (data: Buffer) => void): { id: number; done: Promise<CallResult> } {
    const id = this.conn.openStream(headers, false);
    const done = new Promise<CallResult>((resolve) => {
      this.calls.set(id, { result: { id, headers: [], data: EMPTY }, chunks: [], resolve, onData });
    });
    return { id, done };
  }

  write(id: number, data: Buffer, end: false | true | HeaderList = false): void {
    this.outbox.send(id, data, end);
  }

  /** Gives back `n` octets of a stream's DATA (when consumeNow is false). */
  consume(id: number, n: number): void {
    this.meter.take(id, n);
    this.conn.consume(id, n);
  }

  onHeaders(id: number, headers: HeaderList, end: boolean): void {
    const call = this.calls.get(id);
    if (call === undefined) return;
    call.result.headers.push({ headers, end });
    if (end) this.done(id);
  }

  onData(id: number, data: Buffer, end: boolean): void {
    const call = this.calls.get(id);
    if (call === undefined) return;
    call.chunks.push(Buffer.from(data));
    call.onData?.(data);
    if (this.consumeNow) this.conn.consume(id, data.length);
    else this.meter.add(id, data.length);
    if (end) this.done(id);
  }

  onReset(id: number, code: number): void {
    const call = this.calls.get(id);
    if (call === undefined) return;
    call.result.reset = code;
    this.outbox.drop(id);
    this.done(id);
  }

  onWritable(id: number): void {
    this.outbox.pump(id);
  }

  onGoaway(last: number, code: number): void {
    this.goaways.push({ last, code });
  }

  onClose(err: Error | undefined): void {
    this.closedCalled = true;
    this.closeError = err;
    for (const id of [...this.calls.keys()]) {
      const call = this.calls.get(id)!;
      call.result.reset ??= ErrorCode.CANCEL;
      this.done(id);
    }
  }

  private done(id: number): void {
    const call = this.calls.get(id)!;
    this.calls.delete(id);
    call.result.data = Buffer.concat(call.chunks);
    call.resolve(call.result);
  }
}

export const GRPC_HEADERS = (path = '/shop.order.v1.OrderService/GetOrder', extra: HeaderList = []): HeaderList => [
  [':method', 'POST'],
  [':scheme', 'http'],
  [':path', path],
  [':authority', '127.0.0.1'],
  ['content-type', 'application/grpc'],
  ['te', 'trailers'],
  ...extra,
];

/** A 5-octet gRPC frame header plus `n` octets of message. */
export function grpcMessage(n: number, fill = 0x2a): Buffer {
  const b = Buffer.alloc(5 + n, fill);
  b[0] = 0;
  b.writeUInt32BE(n, 1);
  return b;
}
