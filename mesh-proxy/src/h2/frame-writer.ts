// Outgoing HTTP/2 frames, written header and payload into one reused scratch buffer and flushed as one socket write.
import { FRAME_HEADER_LENGTH, Flag, FrameType } from './constants.js';

/** Frames queued in one turn usually fit here; more spill into further chunks. */
const SCRATCH_SIZE = 16 * 1024;
/**
 * DATA payloads at least this long are referenced, not copied; shorter ones are copied into the
 * scratch buffer. Also the size up to which a flush copies the scratch into a pooled buffer
 * (Buffer.allocUnsafe takes small sizes from Node's shared pool) instead of giving it away.
 */
const COPY_LIMIT = 4096;
const EMPTY = Buffer.alloc(0);

/** What a flush writes to: a socket, or any Writable. */
export interface WriteSink {
  write(chunk: Buffer): boolean;
  cork?(): void;
  uncork?(): void;
}

export type SettingsEntries = ReadonlyArray<readonly [id: number, value: number]>;

export class FrameWriter {
  private buf = Buffer.allocUnsafe(SCRATCH_SIZE);
  private len = 0;
  /** Bytes that left the scratch buffer (full scratch buffers, referenced payloads), in order. */
  private chunks: Buffer[] = [];
  private chunkBytes = 0;

  /** Bytes queued and not yet flushed. */
  get pendingBytes(): number {
    return this.len + this.chunkBytes;
  }

  /** Octets that are not a frame: the client connection preface. */
  raw(bytes: Uint8Array): void {
    this.buf.set(bytes, this.reserve(bytes.length));
  }

  frame(type: number, flags: number, streamId: number, payload: Uint8Array = EMPTY): void {
    const at = this.reserve(FRAME_HEADER_LENGTH + payload.length);
    this.header(at, payload.length, type, flags, streamId);
    if (payload.length > 0) this.buf.set(payload, at + FRAME_HEADER_LENGTH);
  }

  /** One DATA frame; `payload` must fit the peer's max frame size. Long payloads are referenced until flushed. */
  data(streamId: number, endStream: boolean, payload: Buffer): void {
    const flags = endStream ? Flag.END_STREAM : 0;
    if (payload.length < COPY_LIMIT) {
      this.frame(FrameType.DATA, flags, streamId, payload);
      return;
    }
    const at = this.reserve(FRAME_HEADER_LENGTH);
    this.header(at, payload.length, FrameType.DATA, flags, streamId);
    this.cut();
    this.chunks.push(payload);
    this.chunkBytes += payload.length;
  }

  /** A header block as HEADERS plus as many CONTINUATION frames as `maxFrameSize` requires (RFC 9113 §4.3). */
  headers(streamId: number, endStream: boolean, block: Buffer, maxFrameSize: number): void {
    const endFlag = endStream ? Flag.END_STREAM : 0;
    if (block.length <= maxFrameSize) {
      this.frame(FrameType.HEADERS, endFlag | Flag.END_HEADERS, streamId, block);
      return;
    }
    this.frame(FrameType.HEADERS, endFlag, streamId, block.subarray(0, maxFrameSize));
    for (let off = maxFrameSize; off < block.length; off += maxFrameSize) {
      const end = Math.min(off + maxFrameSize, block.length);
      this.frame(FrameType.CONTINUATION, end === block.length ? Flag.END_HEADERS : 0, streamId, block.subarray(off, end));
    }
  }

  settings(entries: SettingsEntries): void {
    const at = this.reserve(FRAME_HEADER_LENGTH + 6 * entries.length);
    this.header(at, 6 * entries.length, FrameType.SETTINGS, 0, 0);
    let p = at + FRAME_HEADER_LENGTH;
    for (const [id, value] of entries) {
      this.buf.writeUInt16BE(id, p);
      this.buf.writeUInt32BE(value, p + 2);
      p += 6;
    }
  }

  settingsAck(): void {
    this.frame(FrameType.SETTINGS, Flag.ACK, 0);
  }

  ping(ack: boolean, opaque: Uint8Array): void {
    this.frame(FrameType.PING, ack ? Flag.ACK : 0, 0, opaque);
  }

  rstStream(streamId: number, code: number): void {
    const at = this.reserve(FRAME_HEADER_LENGTH + 4);
    this.header(at, 4, FrameType.RST_STREAM, 0, streamId);
    this.buf.writeUInt32BE(code, at + FRAME_HEADER_LENGTH);
  }

  windowUpdate(streamId: number, increment: number): void {
    const at = this.reserve(FRAME_HEADER_LENGTH + 4);
    this.header(at, 4, FrameType.WINDOW_UPDATE, 0, streamId);
    this.buf.writeUInt32BE(increment, at + FRAME_HEADER_LENGTH);
  }

  goaway(lastStreamId: number, code: number, debug: Uint8Array = EMPTY): void {
    const at = this.reserve(FRAME_HEADER_LENGTH + 8 + debug.length);
    this.header(at, 8 + debug.length, FrameType.GOAWAY, 0, 0);
    this.buf.writeUInt32BE(lastStreamId, at + FRAME_HEADER_LENGTH);
    this.buf.writeUInt32BE(code, at + FRAME_HEADER_LENGTH + 4);
    if (debug.length > 0) this.buf.set(debug, at + FRAME_HEADER_LENGTH + 8);
  }

  /** Writes everything queued to `sink` in one write (several, corked, when payloads were referenced); returns write()'s answer. */
  flushTo(sink: WriteSink): boolean {
    if (this.chunks.length === 0) {
      if (this.len === 0) return true;
      return sink.write(this.takeScratch());
    }
    this.cut();
    const chunks = this.chunks;
    this.chunks = [];
    this.chunkBytes = 0;
    sink.cork?.();
    let ok = true;
    for (const chunk of chunks) ok = sink.write(chunk);
    sink.uncork?.();
    return ok;
  }

  /** Forgets everything queued (the socket is gone). */
  discard(): void {
    this.len = 0;
    this.chunks = [];
    this.chunkBytes = 0;
  }

  private header(at: number, length: number, type: number, flags: number, streamId: number): void {
    const buf = this.buf;
    buf[at] = length >>> 16;
    buf[at + 1] = (length >>> 8) & 0xff;
    buf[at + 2] = length & 0xff;
    buf[at + 3] = type;
    buf[at + 4] = flags;
    buf.writeUInt32BE(streamId, at + 5);
  }

  /** Room for `n` bytes at the end of the scratch buffer; returns where they start. */
  private reserve(n: number): number {
    if (this.len + n > this.buf.length) {
      this.cut();
      if (n > this.buf.length) this.buf = Buffer.allocUnsafe(n);
    }
    const at = this.len;
    this.len += n;
    return at;
  }

  /** Moves the scratch bytes to `chunks`. */
  private cut(): void {
    if (this.len === 0) return;
    this.chunkBytes += this.len;
    this.chunks.push(this.takeScratch());
  }

  private takeScratch(): Buffer {
    const len = this.len;
    this.len = 0;
    if (len <= COPY_LIMIT) {
      const out = Buffer.allocUnsafe(len);
      this.buf.copy(out, 0, 0, len);
      return out;
    }
    const out = this.buf.subarray(0, len);
    this.buf = Buffer.allocUnsafe(SCRATCH_SIZE);
    return out;
  }
}
