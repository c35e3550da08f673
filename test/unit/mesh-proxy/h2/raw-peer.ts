// The far end of an H2Connection under test, driven with hand-built frames: what it sends is bytes, what it gets is parsed frames.
import type { Duplex } from 'node:stream';
import {
  CLIENT_PREFACE,
  FrameReader,
  FrameType,
  MAX_MAX_FRAME_SIZE,
  type HeaderList,
} from '../../../../mesh-proxy/src/h2/index.js';
import { HpackDecoder, HpackEncoder } from '../../../../mesh-proxy/src/h2/hpack/index.js';

export interface Frame {
  type: number;
  flags: number;
  streamId: number;
  payload: Buffer;
}

/** One frame's bytes, built by hand (independent of the engine's FrameWriter). */
export function frame(type: number, flags: number, streamId: number, payload: Uint8Array = Buffer.alloc(0)): Buffer {
  const header = Buffer.alloc(9);
  header.writeUIntBE(payload.length, 0, 3);
  header[3] = type;
  header[4] = flags;
  header.writeUInt32BE(streamId >>> 0, 5);
  return Buffer.concat([header, payload]);
}

export function settings(entries: ReadonlyArray<readonly [number, number]> = [], flags = 0): Buffer {
  const payload = Buffer.alloc(entries.length * 6);
  entries.forEach(([id, value], i) => {
    payload.writeUInt16BE(id, i * 6);
    payload.writeUInt32BE(value, i * 6 + 2);
  });
  return frame(FrameType.SETTINGS, flags, 0, payload);
}

export function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

export const GRPC_REQUEST: HeaderList = [
  [':method', 'POST'],
  [':scheme', 'http'],
  [':path', '/shop.order.v1.OrderService/GetOrder'],
  [':authority', 'order'],
  ['content-type', 'application/grpc'],
  ['te', 'trailers'],
];

export class RawPeer {
  readonly frames: Frame[] = [];
  readonly encoder = new HpackEncoder();
  readonly decoder = new HpackDecoder({ maxHeaderListSize: 1 << 24 });
  ended = false;
  /** Octets received, preface included, and in how many socket chunks (one per write of the engine, on a PairEnd). */
  received = 0;
  chunks = 0;
  private readonly reader = new FrameReader(MAX_MAX_FRAME_SIZE);
  private prefacePending: boolean;

  /** `expectPreface`: the engine under test is a client, so its bytes start with the preface. */
  constructor(
    readonly socket: Duplex,
    expectPreface: boolean,
  ) {
    this.prefacePending = expectPreface;
    socket.on('data', (chunk: Buffer) => {
      this.received += chunk.length;
      this.chunks++;
      this.reader.push(chunk);
      if (this.prefacePending) {
        const p = this.reader.readPreface();
        if (p === 'more') return;
        if (p === 'bad') throw new Error('the client under test sent no preface');
        this.prefacePending = false;
      }
      while (this.reader.next()) {
        const f = this.reader;
        this.frames.push({ type: f.type, flags: f.flags, streamId: f.streamId, payload: Buffer.from(f.payload) });
      }
    });
    socket.on('end', () => {
      this.ended = true;
      socket.end();
    });
    socket.on('error', () => {});
  }

  send(...chunks: Buffer[]): void {
    this.socket.write(Buffer.concat(chunks));
  }

  /** Our side of the handshake: (preface) + SETTINGS + ACK of theirs. */
  handshake(entries: ReadonlyArray<readonly [number, number]> = [], clientPreface = true): void {
    this.send(...(clientPreface ? [CLIENT_PREFACE] : []), settings(entries), settings([], 1));
  }

  headers(streamId: number, headers: HeaderList, flags: number): Buffer {
    return frame(FrameType.HEADERS, flags, streamId, this.encoder.encode(headers));
  }

  decode(f: Frame): HeaderList {
    return this.decoder.decode(f.payload);
  }

  of(type: number, streamId?: number): Frame[] {
    return this.frames.filter((f) => f.type === type && (streamId === undefined || f.streamId === streamId));
  }

  async next(type: number, pred: (f: Frame) => boolean = () => true, ms = 3000): Promise<Frame> {
    const deadline = Date.now() + ms;
    for (;;) {
      const f = this.frames.find((x) => x.type === type && pred(x));
      if (f !== undefined) return f;
      if (Date.now() > deadline) throw new Error(`timed out waiting for frame type ${type}; got ${this.frames.map((x) => x.type).join(',')}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  async goaway(ms = 3000): Promise<{ last: number; code: number; debug: string }> {
    const f = await this.next(FrameType.GOAWAY, () => true, ms);
    return { last: f.payload.readUInt32BE(0), code: f.payload.readUInt32BE(4), debug: f.payload.subarray(8).toString() };
  }

  async rst(streamId: number, ms = 3000): Promise<number> {
    const f = await this.next(FrameType.RST_STREAM, (x) => x.streamId === streamId, ms);
    return f.payload.readUInt32BE(0);
  }

  /** Lets queued writes and nextTick flushes happen. */
  async settle(): Promise<void> {
    for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
  }
}
