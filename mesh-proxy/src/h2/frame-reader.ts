// Incremental HTTP/2 frame parser: socket chunks in, complete frames out, payloads zero-copy where they lie in one chunk.
import { CLIENT_PREFACE, ErrorCode, FRAME_HEADER_LENGTH } from './constants.js';
import { H2Error } from './h2-error.js';

const EMPTY = Buffer.alloc(0);

/**
 * Push chunks, then call `next()` until it returns false; after each true, the fields describe
 * one frame. `payload` is a view of the chunk it arrived in (or of a joined copy when the frame
 * was split across chunks): it stays valid, but it keeps that chunk alive.
 * No per-frame object is allocated apart from the payload view.
 */
export class FrameReader {
  type = 0;
  flags = 0;
  streamId = 0;
  payload: Buffer = EMPTY;

  /** The chunk being parsed and the read offset into it. */
  private cur: Buffer = EMPTY;
  private off = 0;
  /** Chunks that arrived while `cur` still held an incomplete frame; joined only once the frame is complete. */
  private more: Buffer[] = [];
  private moreBytes = 0;

  constructor(
    /** Our SETTINGS_MAX_FRAME_SIZE: a longer frame is a FRAME_SIZE_ERROR (RFC 9113 §4.2). */
    public maxFrameSize: number,
  ) {}

  /** Bytes received and not yet returned as frames. */
  get buffered(): number {
    return this.cur.length - this.off + this.moreBytes;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (this.off === this.cur.length) {
      this.cur = chunk;
      this.off = 0;
    } else {
      this.more.push(chunk);
      this.moreBytes += chunk.length;
    }
  }

  /**
   * Consumes the 24-octet client preface (server role, before any frame).
   * 'more': not enough bytes yet; 'bad': the bytes so far are not the preface.
   */
  readPreface(): 'ok' | 'more' | 'bad' {
    const have = Math.min(this.buffered, CLIENT_PREFACE.length);
    if (this.cur.length - this.off < have) this.join();
    for (let i = 0; i < have; i++) if (this.cur[this.off + i] !== CLIENT_PREFACE[i]) return 'bad';
    if (have < CLIENT_PREFACE.length) return 'more';
    this.off += CLIENT_PREFACE.length;
    return 'ok';
  }

  /** Parses the next complete frame into the fields; false when more bytes are needed. Throws H2Error(FRAME_SIZE_ERROR). */
  next(): boolean {
    let avail = this.cur.length - this.off;
    if (avail < FRAME_HEADER_LENGTH) {
      if (avail + this.moreBytes < FRAME_HEADER_LENGTH) return false;
      avail = this.join();
    }
    const buf = this.cur;
    const off = this.off;
    const length = (buf[off]! << 16) | (buf[off + 1]! << 8) | buf[off + 2]!;
    if (length > this.maxFrameSize) {
      throw new H2Error(ErrorCode.FRAME_SIZE_ERROR, `a frame of ${length} octets exceeds our SETTINGS_MAX_FRAME_SIZE ${this.maxFrameSize}`);
    }
    const total = FRAME_HEADER_LENGTH + length;
    if (avail < total) {
      if (avail + this.moreBytes < total) return false;
      this.join();
      return this.next();
    }
    this.type = buf[off + 3]!;
    this.flags = buf[off + 4]!;
    // The reserved high bit is ignored on receipt (RFC 9113 §4.1).
    this.streamId = buf.readUInt32BE(off + 5) & 0x7fffffff;
    this.payload = buf.subarray(off + FRAME_HEADER_LENGTH, off + total);
    this.off = off + total;
    if (this.off === buf.length && this.moreBytes === 0) {
      // Drop the reference so a fully parsed chunk is not kept alive by the reader itself.
      this.cur = EMPTY;
      this.off = 0;
    }
    return true;
  }

  /** Joins the unparsed rest of `cur` with the waiting chunks; returns the bytes now in `cur`. */
  private join(): number {
    if (this.moreBytes === 0) return this.cur.length - this.off;
    if (this.off === this.cur.length && this.more.length === 1) {
      this.cur = this.more[0]!;
      this.off = 0;
      this.more = [];
      this.moreBytes = 0;
      return this.cur.length;
    }
    const parts = [this.cur.subarray(this.off), ...this.more];
    this.cur = Buffer.concat(parts, this.cur.length - this.off + this.moreBytes);
    this.off = 0;
    this.more = [];
    this.moreBytes = 0;
    return this.cur.length;
  }
}
