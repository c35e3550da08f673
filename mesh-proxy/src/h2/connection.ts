// One HTTP/2 endpoint (RFC 9113), client or server, over any Duplex: frames, stream states, flow control, defences.
//
// Data flow, for one socket chunk:
//   1. onSocketData → FrameReader cuts frames (payloads are views of the chunk);
//   2. onFrame dispatches by type; header blocks are reassembled across CONTINUATION, decoded
//      with the connection's HPACK decoder, validated, then handed to H2Handler.onHeaders;
//   3. DATA is checked against the windows we granted and handed to H2Handler.onData; credit
//      goes back only when the user calls consume();
//   4. everything we send (ACKs, WINDOW_UPDATE, the user's HEADERS/DATA) is written into one
//      FrameWriter and flushed once per turn (process.nextTick) in a single socket write.
// Stream errors reset one stream (RST_STREAM + onReset); connection errors send GOAWAY and close.
import type { Duplex } from 'node:stream';
import type { Clock } from '../clock.js';
import { type H2ConnectionOptions, type H2Handler, parseConnectionOptions } from './connection-options.js';
import {
  CLIENT_PREFACE,
  DEFAULT_HEADER_TABLE_SIZE,
  DEFAULT_INITIAL_WINDOW_SIZE,
  ErrorCode,
  Flag,
  FrameType,
  MAX_INT31,
  MAX_MAX_FRAME_SIZE,
  MIN_MAX_FRAME_SIZE,
  SettingId,
  UNLIMITED,
} from './constants.js';
import { FrameReader } from './frame-reader.js';
import { FrameWriter } from './frame-writer.js';
import { FloodGuard } from './flood-guard.js';
import { H2Error } from './h2-error.js';
import { HeaderBlockAssembler } from './header-block.js';
import { type HeaderFacts, type HeaderKind, validateHeaders } from './header-validation.js';
import { type HeaderList, HeaderListTooLargeError, HpackDecoder, HpackEncoder, HpackError } from './hpack/index.js';
import type { Limits } from './limits.js';
import { CLOSED_BY_PEER, CLOSED_BY_US, CLOSED_ENDED, type HowClosed, RecentlyClosed } from './recently-closed.js';
import type { Settings } from './settings.js';
import { settingsEntries } from './settings.js';
import { Stream } from './stream.js';

/** Closed streams remembered for RFC 9113 §5.1's answers (at least twice a full set of concurrent streams). */
const RECENTLY_CLOSED_STREAMS = 2048;
/** Opaque data of the PING between the two GOAWAYs of a graceful server shutdown. */
const GOAWAY_PING = Buffer.from('goaway\0\0', 'latin1');
/** GOAWAY debug data is a reason for humans, kept short. */
const MAX_DEBUG_LENGTH = 256;
const noop = () => {};

export class H2Connection {
  /** Resolves when the peer's first SETTINGS arrived; rejects if the connection closes first or the preface is wrong. */
  readonly ready: Promise<void>;
  /** Resolves when the connection is fully closed (the socket too). */
  readonly closed: Promise<void>;

  private readonly isClient: boolean;
  private readonly local: Settings;
  private readonly limits: Limits;
  private readonly clock: Clock;
  private readonly connectionWindow: number;
  private readonly reader: FrameReader;
  private readonly writer = new FrameWriter();
  private readonly decoder: HpackDecoder;
  private readonly encoder: HpackEncoder;
  private readonly streams = new Map<number, Stream>();
  private readonly recent = new RecentlyClosed(RECENTLY_CLOSED_STREAMS);
  /** Reused by validateHeaders: no allocation per header list. */
  private readonly facts: HeaderFacts = { status: 0, contentLength: -1 };
  private readonly guard: FloodGuard;
  private readonly headerBlock: HeaderBlockAssembler;
  private readonly timers = new AbortController();

  // What the peer told us in SETTINGS.
  private peerMaxConcurrentStreams = UNLIMITED;
  private peerInitialWindow = DEFAULT_INITIAL_WINDOW_SIZE;
  private peerMaxFrameSize = MIN_MAX_FRAME_SIZE;
  private peerMaxHeaderListSize = UNLIMITED;

  // Flow control. Receive windows are what the peer may still send; "owed" is credit not yet returned.
  private connSendWindow = DEFAULT_INITIAL_WINDOW_SIZE;
  private connRecvWindow = DEFAULT_INITIAL_WINDOW_SIZE;
  private connOwed = 0;
  /** The receive window a new stream starts with, as the peer sees it (65535 until our SETTINGS are acknowledged, if ours is smaller). */
  private streamRecvWindow: number;
  /** Streams owed an onWritable; entries whose flag was cleared are skipped. */
  private blocked: Stream[] = [];

  // Stream ids.
  private nextStreamId: number;
  private lastPeerStreamId = 0;

  // Lifecycle.
  private started = false;
  private prefaceReceived: boolean;
  private settingsReceived = false;
  private localSettingsAcked = false;
  /** goaway() was called: no new streams, close once none is left. */
  private draining = false;
  /** Our final GOAWAY is out; peer streams above goawayLastId are ignored. */
  private goawaySent = false;
  private goawayLastId = MAX_INT31;
  private pendingGoaway: { code: number; debug: string } | undefined;
  private goawayReceived = false;
  private peerGoawayLastId = MAX_INT31;
  /** onClose was called; the socket may still be lingering. */
  private closing = false;
  private idleSince = 0;

  // Output.
  private flushScheduled = false;
  /** The socket's write() said false and no 'drain' came since. */
  private socketCongested = false;

  private resolveReady!: () => void;
  private rejectReady!: (err: Error) => void;
  private resolveClosed!: () => void;

  constructor(
    private readonly socket: Duplex,
    private readonly handler: H2Handler,
    options: H2ConnectionOptions,
  ) {
    const o = parseConnectionOptions(options);
    this.isClient = o.role === 'client';
    this.local = o.settings;
    this.limits = o.limits;
    this.clock = o.clock;
    this.connectionWindow = o.connectionWindow;
    this.nextStreamId = this.isClient ? o.firstStreamId : 2;
    this.prefaceReceived = this.isClient;
    this.reader = new FrameReader(this.local.maxFrameSize);
    // Until the peer acknowledges our SETTINGS it may still use the protocol defaults: accept the larger of both.
    this.decoder = new HpackDecoder({
      maxTableSize: Math.max(this.local.headerTableSize, DEFAULT_HEADER_TABLE_SIZE),
      maxHeaderListSize: this.local.maxHeaderListSize,
    });
    this.encoder = new HpackEncoder();
    this.streamRecvWindow = Math.max(this.local.initialWindowSize, DEFAULT_INITIAL_WINDOW_SIZE);
    this.guard = new FloodGuard(this.limits, this.clock);
    this.headerBlock = new HeaderBlockAssembler(this.limits.maxHeaderBlockBytes, this.limits.maxContinuationFrames);
    this.ready = new Promise((resolve, reject) => {
      this.resolveReady = resolve;
      this.rejectReady = reject;
    });
    this.ready.catch(noop); // a user who never awaits ready must not get an unhandled rejection
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
  }

  /** Sends the preface (client: the 24-octet magic) + our SETTINGS (+ connection WINDOW_UPDATE) and starts reading. */
  start(): void {
    if (this.started || this.closing) throw new Error(`H2Connection.start: already ${this.started ? 'started' : 'closed'}`);
    this.started = true;
    const socket = this.socket;
    (socket as { setNoDelay?: (noDelay: boolean) => unknown }).setNoDelay?.(true);
    socket.on('data', this.onSocketData);
    socket.on('drain', this.onSocketDrain);
    socket.on('end', this.onSocketEnd);
    socket.on('error', this.onSocketError);
    socket.on('close', this.onSocketClose);
    if (socket.destroyed) {
      this.onSocketClose();
      return;
    }
    this.writePreface();
    this.idleSince = this.clock.now();
    if (this.limits.settingsAckTimeoutMs > 0) this.after(this.limits.settingsAckTimeoutMs, this.onSettingsAckTimeout);
    if (this.limits.idleTimeoutMs > 0) this.after(this.limits.idleTimeoutMs, this.onIdleCheck);
  }

  get activeStreams(): number {
    return this.streams.size;
  }

  canOpenStream(): boolean {
    return (
      this.isClient &&
      this.started &&
      !this.closing &&
      !this.draining &&
      !this.goawayReceived &&
      this.nextStreamId <= MAX_INT31 &&
      this.streams.size < this.peerMaxConcurrentStreams
    );
  }

  /**
   * Client role: opens a stream with these request headers; returns its id. Throws H2Error(REFUSED_STREAM)
   * when it cannot: check canOpenStream() first. `neverIndex`: positions to encode as never indexed
   * (pass on onHeaders' `neverIndexed`, RFC 7541 §6.2.3).
   */
  openStream(headers: HeaderList, endStream: boolean, neverIndex?: readonly number[]): number {
    if (!this.canOpenStream()) throw new H2Error(ErrorCode.REFUSED_STREAM, `cannot open a stream: ${this.whyNoStream()}`);
    this.checkPeerHeaderListSize(headers);
    const id = this.nextStreamId;
    this.nextStreamId += 2;
    const s = new Stream(id, this.peerInitialWindow, this.streamRecvWindow);
    this.streams.set(id, s);
    this.writer.headers(id, endStream, this.encoder.encode(headers, neverIndex), this.peerMaxFrameSize);
    if (endStream) s.localEnded = true;
    this.scheduleFlush();
    return id;
  }

  /**
   * Sends HEADERS (+CONTINUATION by the peer's max frame size): response headers or trailers (server), trailers (client).
   * Header lists are sent as given (the relay forwards lists this engine validated); one over the
   * peer's SETTINGS_MAX_HEADER_LIST_SIZE throws H2Error(ENHANCE_YOUR_CALM) and nothing is sent.
   */
  sendHeaders(streamId: number, headers: HeaderList, endStream: boolean, neverIndex?: readonly number[]): void {
    const s = this.sendableStream(streamId);
    this.checkPeerHeaderListSize(headers);
    this.writer.headers(streamId, endStream, this.encoder.encode(headers, neverIndex), this.peerMaxFrameSize);
    if (endStream) this.localEnd(s);
    this.scheduleFlush();
  }

  /**
   * Sends as much of `data` as the stream and connection send windows allow and the socket can
   * buffer (limits.maxBufferedWriteBytes), split by the peer's max frame size; returns the octets
   * taken. END_STREAM goes with the last octet only if all of `data` was taken; an empty `data`
   * with endStream always sends an empty DATA+END_STREAM. Taken octets are referenced until
   * written: do not reuse `data`'s memory. Callers keep the rest and wait for onWritable.
   */
  sendData(streamId: number, data: Buffer, endStream: boolean): number {
    const s = this.sendableStream(streamId);
    const length = data.length;
    if (length === 0) {
      if (endStream) {
        this.writer.data(streamId, true, data);
        this.localEnd(s);
        this.scheduleFlush();
      }
      return 0;
    }
    const room = this.limits.maxBufferedWriteBytes - this.socket.writableLength - this.writer.pendingBytes;
    const n = Math.min(length, s.sendWindow, this.connSendWindow, room);
    if (n <= 0) {
      this.block(s);
      return 0;
    }
    const last = endStream && n === length;
    const maxFrame = this.peerMaxFrameSize;
    for (let off = 0; off < n; off += maxFrame) {
      const end = Math.min(off + maxFrame, n);
      this.writer.data(streamId, last && end === n, off === 0 && end === length ? data : data.subarray(off, end));
    }
    s.sendWindow -= n;
    this.connSendWindow -= n;
    if (n < length) this.block(s);
    if (last) this.localEnd(s);
    this.scheduleFlush();
    return n;
  }

  /**
   * Gives back receive-window credit for `bytes` of this stream's DATA (and the connection's).
   * WINDOW_UPDATEs are batched: sent once at least half a window is owed. When a stream is gone,
   * the connection gets back at once whatever of it was not consumed; consume() on it is then a no-op.
   */
  consume(streamId: number, bytes: number): void {
    const s = this.streams.get(streamId);
    if (s === undefined || this.closing) return;
    const n = Math.min(bytes, s.unconsumed);
    if (!(n > 0)) return;
    s.unconsumed -= n;
    this.creditStream(s, n);
    this.creditConnection(n);
  }

  /** Resets a stream (RST_STREAM with `code`); it is gone at once (no onReset). Unknown streams are ignored. */
  reset(streamId: number, code: number): void {
    const s = this.streams.get(streamId);
    if (s === undefined || this.closing) return;
    this.writer.rstStream(streamId, code);
    this.closeStream(s, CLOSED_BY_US);
    this.scheduleFlush();
  }

  /**
   * Graceful: GOAWAY(code, last peer stream id we accepted); existing streams finish; the
   * connection closes when none is left, or after limits.drainTimeoutMs. A server with
   * NO_ERROR first sends GOAWAY(2^31-1) and a PING, and the real last id when the PING ACK
   * comes back, so requests already in flight are not lost (RFC 9113 §6.8).
   */
  goaway(code: number = ErrorCode.NO_ERROR, debug = ''): void {
    if (this.closing || this.draining) return;
    this.draining = true;
    if (!this.started) {
      this.close();
      return;
    }
    if (!this.isClient && code === ErrorCode.NO_ERROR) {
      this.writer.goaway(MAX_INT31, code, debugBytes(debug));
      this.writer.ping(false, GOAWAY_PING);
      this.pendingGoaway = { code, debug };
    } else {
      this.sendFinalGoaway(code, debug);
    }
    if (this.limits.drainTimeoutMs > 0) this.after(this.limits.drainTimeoutMs, this.onDrainTimeout);
    this.scheduleFlush();
  }

  /** Immediate: GOAWAY (INTERNAL_ERROR with `err`, the H2Error's code, or NO_ERROR) and the socket is closed; onClose(err). */
  close(err?: Error): void {
    const code = err instanceof H2Error ? err.code : err !== undefined ? ErrorCode.INTERNAL_ERROR : ErrorCode.NO_ERROR;
    this.shutdown(code, err);
  }

  // ---- Reading ----------------------------------------------------------------------------

  private readonly onSocketData = (chunk: Buffer): void => {
    if (this.closing) return; // lingering after GOAWAY: input is read and dropped
    const reader = this.reader;
    reader.push(chunk);
    try {
      if (!this.prefaceReceived) {
        const preface = reader.readPreface();
        if (preface === 'more') return;
        if (preface === 'bad') throw new H2Error(ErrorCode.PROTOCOL_ERROR, 'the client connection preface is missing or wrong');
        this.prefaceReceived = true;
      }
      while (reader.next()) {
        this.onFrame(reader.type, reader.flags, reader.streamId, reader.payload);
        if (this.closing) return;
      }
    } catch (err) {
      this.fail(err);
    }
  };

  private onFrame(type: number, flags: number, id: number, payload: Buffer): void {
    if (this.headerBlock.streamId !== 0 && type !== FrameType.CONTINUATION) {
      // §6.10: a header block is one unit; nothing may come between its frames.
      throw new H2Error(ErrorCode.PROTOCOL_ERROR, `frame type ${type} inside the header block of stream ${this.headerBlock.streamId}`);
    }
    if (!this.settingsReceived && (type !== FrameType.SETTINGS || (flags & Flag.ACK) !== 0)) {
      throw new H2Error(ErrorCode.PROTOCOL_ERROR, 'the first frame of a connection must be SETTINGS');
    }
    switch (type) {
      case FrameType.DATA:
        return this.onDataFrame(flags, id, payload);
      case FrameType.HEADERS:
        return this.onHeadersFrame(flags, id, payload);
      case FrameType.PRIORITY:
        return this.onPriorityFrame(id, payload);
      case FrameType.RST_STREAM:
        return this.onRstStreamFrame(id, payload);
      case FrameType.SETTINGS:
        return this.onSettingsFrame(flags, id, payload);
      case FrameType.PUSH_PROMISE:
        // We announce ENABLE_PUSH 0, and a server never receives one (§8.4).
        throw new H2Error(ErrorCode.PROTOCOL_ERROR, 'PUSH_PROMISE although push is disabled');
      case FrameType.PING:
        return this.onPingFrame(flags, id, payload);
      case FrameType.GOAWAY:
        return this.onGoawayFrame(id, payload);
      case FrameType.WINDOW_UPDATE:
        return this.onWindowUpdateFrame(id, payload);
      case FrameType.CONTINUATION: {
        const block = this.headerBlock.add(id, payload, (flags & Flag.END_HEADERS) !== 0);
        if (block !== undefined) this.onHeaderBlock(id, this.headerBlock.endStream, block, this.headerBlock.priorityError);
        return;
      }
      default:
        // Unknown types are ignored (§5.5), but they cost a little each.
        this.guard.controlFrame();
    }
  }

  private onDataFrame(flags: number, id: number, payload: Buffer): void {
    if (id === 0) throw new H2Error(ErrorCode.PROTOCOL_ERROR, 'DATA on stream 0');
    const length = payload.length;
    // The whole frame, padding included, counts against both windows (§6.9.1).
    if (length > this.connRecvWindow) {
      throw new H2Error(ErrorCode.FLOW_CONTROL_ERROR, `DATA of ${length} octets exceeds the connection window ${this.connRecvWindow}`);
    }
    this.connRecvWindow -= length;
    const data = (flags & Flag.PADDED) !== 0 ? unpad(payload) : payload;
    const endStream = (flags & Flag.END_STREAM) !== 0;
    const s = this.streams.get(id);
    if (s === undefined) {
      this.creditConnection(length); // nobody will consume it
      if (this.isIdle(id)) throw new H2Error(ErrorCode.PROTOCOL_ERROR, `DATA on idle stream ${id}`);
      // §5.1: ignored on streams we reset; STREAM_CLOSED otherwise.
      if (this.recent.get(id) !== CLOSED_BY_US) this.rejectStream(id, ErrorCode.STREAM_CLOSED);
      return;
    }
    let error = 0;
    if (s.remoteEnded) error = ErrorCode.STREAM_CLOSED;
    else if (!s.headersReceived) error = ErrorCode.PROTOCOL_ERROR;
    else if (length > s.recvWindow) error = ErrorCode.FLOW_CONTROL_ERROR;
    else if (s.contentLength >= 0) {
      const received = s.received + data.length;
      if (received > s.contentLength || (endStream && received !== s.contentLength)) error = ErrorCode.PROTOCOL_ERROR;
    }
    if (error !== 0) {
      this.creditConnection(length);
      this.streamError(s, error);
      return;
    }
    s.recvWindow -= length;
    s.received += data.length;
    const padding = length - data.length;
    if (padding > 0) {
      this.creditStream(s, padding);
      this.creditConnection(padding);
    }
    if (data.length === 0 && !endStream) this.guard.controlFrame(); // empty DATA: CVE-2019-9518
    s.unconsumed += data.length;
    if (endStream) this.remoteEnd(s);
    this.handler.onData(id, data, endStream);
  }

  private onHeadersFrame(flags: number, id: number, payload: Buffer): void {
    if (id === 0) throw new H2Error(ErrorCode.PROTOCOL_ERROR, 'HEADERS on stream 0');
    if ((id & 1) === 0) {
      // Clients open odd streams; servers open even ones only after PUSH_PROMISE, which we refuse (§5.1.1).
      throw new H2Error(ErrorCode.PROTOCOL_ERROR, `HEADERS on even stream ${id}`);
    }
    if (this.isClient && id >= this.nextStreamId) throw new H2Error(ErrorCode.PROTOCOL_ERROR, `HEADERS on idle stream ${id}`);
    let start = 0;
    let end = payload.length;
    if ((flags & Flag.PADDED) !== 0) {
      if (end < 1) throw new H2Error(ErrorCode.FRAME_SIZE_ERROR, 'padded HEADERS without a pad length');
      start = 1;
      end -= payload[0]!;
    }
    let priorityError = false;
    if ((flags & Flag.PRIORITY) !== 0) {
      if (payload.length < start + 5) throw new H2Error(ErrorCode.FRAME_SIZE_ERROR, 'HEADERS too short for its priority fields');
      // Priority is deprecated and ignored (§5.3.2), but a stream depending on itself is still an error (§5.3.1 of RFC 7540).
      priorityError = (payload.readUInt32BE(start) & MAX_INT31) === id;
      start += 5;
    }
    if (end < start) throw new H2Error(ErrorCode.PROTOCOL_ERROR, 'HEADERS padding longer than the frame');
    const fragment = payload.subarray(start, end);
    const endStream = (flags & Flag.END_STREAM) !== 0;
    if ((flags & Flag.END_HEADERS) !== 0) {
      this.onHeaderBlock(id, endStream, fragment, priorityError);
      return;
    }
    this.headerBlock.begin(id, endStream, priorityError, fragment);
  }

  private onHeaderBlock(id: number, endStream: boolean, block: Buffer, priorityError: boolean): void {
    // Decode first: HPACK state must stay in step even for blocks we then refuse or ignore (§4.3).
    let headers: HeaderList | undefined;
    try {
      headers = this.decoder.decode(block);
    } catch (err) {
      if (err instanceof HpackError) throw new H2Error(ErrorCode.COMPRESSION_ERROR, `header block on stream ${id}: ${err.message}`, { cause: err });
      if (!(err instanceof HeaderListTooLargeError)) throw err;
    }
    const s = this.streams.get(id);
    if (s !== undefined) return this.onStreamHeaders(s, headers, endStream, priorityError);
    if (!this.isClient && id > this.lastPeerStreamId) return this.onNewRequest(id, headers, endStream, priorityError);
    const how = this.recent.get(id);
    if (how === CLOSED_BY_US) return; // §5.1: the peer may not have seen our RST_STREAM yet
    // A stream we opened (client) is closed; a lower id than the peer already used (server) went backwards (§5.1.1).
    if (how !== undefined || this.isClient) throw new H2Error(ErrorCode.STREAM_CLOSED, `HEADERS on closed stream ${id}`);
    throw new H2Error(ErrorCode.PROTOCOL_ERROR, `HEADERS on stream ${id}, lower than a stream already opened`);
  }

  private onNewRequest(id: number, headers: HeaderList | undefined, endStream: boolean, priorityError: boolean): void {
    this.lastPeerStreamId = id;
    if (this.goawaySent && id > this.goawayLastId) {
      // §6.8: streams opened after our GOAWAY are ignored, and so is what follows on them.
      this.recent.add(id, CLOSED_BY_US);
      return;
    }
    if (priorityError) return this.rejectStream(id, ErrorCode.PROTOCOL_ERROR);
    if (this.streams.size >= this.local.maxConcurrentStreams) return this.rejectStream(id, ErrorCode.REFUSED_STREAM);
    if (headers === undefined) return this.refuseTooLarge(id, endStream);
    if (!this.validate('request', headers)) return this.rejectStream(id, ErrorCode.PROTOCOL_ERROR);
    const s = new Stream(id, this.peerInitialWindow, this.streamRecvWindow);
    s.headersReceived = true;
    s.contentLength = this.facts.contentLength;
    s.remoteEnded = endStream;
    this.streams.set(id, s);
    this.handler.onHeaders(id, headers, endStream, this.decoder.neverIndexed);
  }

  /** HEADERS on an open stream: response headers (client), 1xx, or trailers. */
  private onStreamHeaders(s: Stream, headers: HeaderList | undefined, endStream: boolean, priorityError: boolean): void {
    if (priorityError) return this.streamError(s, ErrorCode.PROTOCOL_ERROR);
    // §5.1 half-closed (remote): anything but WINDOW_UPDATE, PRIORITY, RST_STREAM is STREAM_CLOSED.
    if (s.remoteEnded) return this.streamError(s, ErrorCode.STREAM_CLOSED);
    // Over our MAX_HEADER_LIST_SIZE: gRPC reads ENHANCE_YOUR_CALM as RESOURCE_EXHAUSTED, the code it uses itself for oversized metadata.
    if (headers === undefined) return this.streamError(s, ErrorCode.ENHANCE_YOUR_CALM);
    const kind: HeaderKind = s.headersReceived ? 'trailers' : 'response';
    // §8.1: a HEADERS after the final headers is trailers and must end the stream.
    if (kind === 'trailers' && !endStream) return this.streamError(s, ErrorCode.PROTOCOL_ERROR);
    if (!this.validate(kind, headers)) return this.streamError(s, ErrorCode.PROTOCOL_ERROR);
    if (kind === 'response') {
      const status = this.facts.status;
      if (status < 200) {
        // 1xx: informational, the final response is still to come; 101 does not exist in HTTP/2 (§8.6).
        if (endStream || status === 101) return this.streamError(s, ErrorCode.PROTOCOL_ERROR);
        this.handler.onHeaders(s.id, headers, false, this.decoder.neverIndexed);
        return;
      }
      s.headersReceived = true;
      s.contentLength = this.facts.contentLength;
    }
    if (endStream) this.remoteEnd(s);
    this.handler.onHeaders(s.id, headers, endStream, this.decoder.neverIndexed);
  }

  private onPriorityFrame(id: number, payload: Buffer): void {
    if (id === 0) throw new H2Error(ErrorCode.PROTOCOL_ERROR, 'PRIORITY on stream 0');
    this.guard.controlFrame();
    let code = 0;
    if (payload.length !== 5) code = ErrorCode.FRAME_SIZE_ERROR;
    else if ((payload.readUInt32BE(0) & MAX_INT31) === id) code = ErrorCode.PROTOCOL_ERROR;
    if (code === 0) return; // accepted and ignored (§5.3.2)
    const s = this.streams.get(id);
    if (s !== undefined) return this.streamError(s, code);
    this.guard.owe(this.socketCongested);
    this.writer.rstStream(id, code);
    this.scheduleFlush();
  }

  private onRstStreamFrame(id: number, payload: Buffer): void {
    if (payload.length !== 4) throw new H2Error(ErrorCode.FRAME_SIZE_ERROR, `RST_STREAM of ${payload.length} octets`);
    if (id === 0) throw new H2Error(ErrorCode.PROTOCOL_ERROR, 'RST_STREAM on stream 0');
    const s = this.streams.get(id);
    if (s === undefined) {
      if (this.isIdle(id)) throw new H2Error(ErrorCode.PROTOCOL_ERROR, `RST_STREAM on idle stream ${id}`);
      return;
    }
    this.guard.streamReset();
    const code = payload.readUInt32BE(0);
    this.closeStream(s, CLOSED_BY_PEER);
    this.handler.onReset(id, code);
  }

  private onSettingsFrame(flags: number, id: number, payload: Buffer): void {
    if (id !== 0) throw new H2Error(ErrorCode.PROTOCOL_ERROR, `SETTINGS on stream ${id}`);
    if ((flags & Flag.ACK) !== 0) {
      if (payload.length !== 0) throw new H2Error(ErrorCode.FRAME_SIZE_ERROR, 'SETTINGS ACK with a payload');
      this.onSettingsAck();
      return;
    }
    if (payload.length % 6 !== 0) throw new H2Error(ErrorCode.FRAME_SIZE_ERROR, `SETTINGS of ${payload.length} octets`);
    if (this.settingsReceived) this.guard.controlFrame();
    let windowDelta = 0;
    for (let p = 0; p < payload.length; p += 6) {
      const value = payload.readUInt32BE(p + 2);
      switch (payload.readUInt16BE(p)) {
        case SettingId.HEADER_TABLE_SIZE:
          this.encoder.setPeerMaxTableSize(value);
          break;
        case SettingId.ENABLE_PUSH:
          if (value > 1) throw new H2Error(ErrorCode.PROTOCOL_ERROR, `SETTINGS_ENABLE_PUSH ${value}`);
          if (value === 1 && this.isClient) throw new H2Error(ErrorCode.PROTOCOL_ERROR, 'a server sent SETTINGS_ENABLE_PUSH 1');
          break;
        case SettingId.MAX_CONCURRENT_STREAMS:
          this.peerMaxConcurrentStreams = value;
          break;
        case SettingId.INITIAL_WINDOW_SIZE:
          if (value > MAX_INT31) throw new H2Error(ErrorCode.FLOW_CONTROL_ERROR, `SETTINGS_INITIAL_WINDOW_SIZE ${value}`);
          windowDelta += value - this.peerInitialWindow;
          this.peerInitialWindow = value;
          break;
        case SettingId.MAX_FRAME_SIZE:
          if (value < MIN_MAX_FRAME_SIZE || value > MAX_MAX_FRAME_SIZE) throw new H2Error(ErrorCode.PROTOCOL_ERROR, `SETTINGS_MAX_FRAME_SIZE ${value}`);
          this.peerMaxFrameSize = value;
          break;
        case SettingId.MAX_HEADER_LIST_SIZE:
          this.peerMaxHeaderListSize = value;
          break;
        default:
        // Unknown settings are ignored (§6.5.2).
      }
    }
    if (windowDelta !== 0) {
      // §6.9.2: the change applies to every open stream's send window, which may go negative.
      for (const s of this.streams.values()) {
        s.sendWindow += windowDelta;
        if (s.sendWindow > MAX_INT31) throw new H2Error(ErrorCode.FLOW_CONTROL_ERROR, `stream ${s.id}'s send window would pass 2^31-1`);
      }
    }
    this.guard.owe(this.socketCongested);
    this.writer.settingsAck();
    this.scheduleFlush();
    if (!this.settingsReceived) {
      this.settingsReceived = true;
      this.resolveReady();
    }
    if (windowDelta > 0) this.notifyWritable();
  }

  private onSettingsAck(): void {
    if (this.localSettingsAcked) return; // we send SETTINGS once; a stray ACK changes nothing
    this.localSettingsAcked = true;
    // From now on the peer uses our values: apply what we held back in its favour.
    const delta = this.local.initialWindowSize - this.streamRecvWindow;
    if (delta !== 0) {
      this.streamRecvWindow = this.local.initialWindowSize;
      for (const s of this.streams.values()) s.recvWindow += delta;
    }
    if (this.local.headerTableSize < DEFAULT_HEADER_TABLE_SIZE) this.decoder.setMaxTableSize(this.local.headerTableSize);
  }

  private onPingFrame(flags: number, id: number, payload: Buffer): void {
    if (id !== 0) throw new H2Error(ErrorCode.PROTOCOL_ERROR, `PING on stream ${id}`);
    if (payload.length !== 8) throw new H2Error(ErrorCode.FRAME_SIZE_ERROR, `PING of ${payload.length} octets`);
    if ((flags & Flag.ACK) !== 0) {
      if (this.pendingGoaway !== undefined && payload.equals(GOAWAY_PING)) {
        const { code, debug } = this.pendingGoaway;
        this.pendingGoaway = undefined;
        this.sendFinalGoaway(code, debug);
        this.scheduleFlush();
      }
      return;
    }
    this.guard.controlFrame();
    this.guard.owe(this.socketCongested);
    this.writer.ping(true, payload);
    this.scheduleFlush();
  }

  private onGoawayFrame(id: number, payload: Buffer): void {
    if (id !== 0) throw new H2Error(ErrorCode.PROTOCOL_ERROR, `GOAWAY on stream ${id}`);
    if (payload.length < 8) throw new H2Error(ErrorCode.FRAME_SIZE_ERROR, `GOAWAY of ${payload.length} octets`);
    // A later GOAWAY may only lower the last stream id (§6.8); never let it raise ours.
    const lastStreamId = Math.min(payload.readUInt32BE(0) & MAX_INT31, this.peerGoawayLastId);
    const code = payload.readUInt32BE(4);
    const debug = payload.toString('latin1', 8, Math.min(payload.length, 8 + MAX_DEBUG_LENGTH));
    this.goawayReceived = true;
    this.peerGoawayLastId = lastStreamId;
    this.handler.onGoaway(lastStreamId, code, debug);
    if (this.closing) return;
    // Our streams above lastStreamId were never processed: gone, and safe to retry elsewhere.
    const unprocessed: Stream[] = [];
    for (const s of this.streams.values()) if (s.id > lastStreamId && this.isOurs(s.id)) unprocessed.push(s);
    for (const s of unprocessed) {
      if (s.gone) continue;
      this.closeStream(s, CLOSED_BY_PEER);
      this.handler.onReset(s.id, ErrorCode.REFUSED_STREAM);
      if (this.closing) return;
    }
    this.scheduleFlush(); // closes the connection there if no stream is left
  }

  private onWindowUpdateFrame(id: number, payload: Buffer): void {
    if (payload.length !== 4) throw new H2Error(ErrorCode.FRAME_SIZE_ERROR, `WINDOW_UPDATE of ${payload.length} octets`);
    const increment = payload.readUInt32BE(0) & MAX_INT31;
    if (id === 0) {
      if (increment === 0) throw new H2Error(ErrorCode.PROTOCOL_ERROR, 'WINDOW_UPDATE of 0 on the connection');
      this.connSendWindow += increment;
      if (this.connSendWindow > MAX_INT31) throw new H2Error(ErrorCode.FLOW_CONTROL_ERROR, 'connection send window passed 2^31-1');
      this.notifyWritable();
      return;
    }
    const s = this.streams.get(id);
    if (s === undefined) {
      if (this.isIdle(id)) throw new H2Error(ErrorCode.PROTOCOL_ERROR, `WINDOW_UPDATE on idle stream ${id}`);
      return; // closed streams may still get one (§5.1)
    }
    if (increment === 0) return this.streamError(s, ErrorCode.PROTOCOL_ERROR);
    s.sendWindow += increment;
    if (s.sendWindow > MAX_INT31) return this.streamError(s, ErrorCode.FLOW_CONTROL_ERROR);
    if (s.wantWritable && this.canWrite(s)) {
      s.wantWritable = false;
      this.handler.onWritable(id);
    }
  }

  // ---- Streams ----------------------------------------------------------------------------

  private validate(kind: HeaderKind, headers: HeaderList): boolean {
    try {
      validateHeaders(kind, headers, this.facts);
      return true;
    } catch (err) {
      if (err instanceof H2Error) return false;
      throw err;
    }
  }

  private remoteEnd(s: Stream): void {
    s.remoteEnded = true;
    if (s.localEnded) this.closeStream(s, CLOSED_ENDED);
  }

  private localEnd(s: Stream): void {
    s.localEnded = true;
    if (s.remoteEnded) this.closeStream(s, CLOSED_ENDED);
  }

  private closeStream(s: Stream, how: HowClosed): void {
    this.streams.delete(s.id);
    s.gone = true;
    s.wantWritable = false;
    this.recent.add(s.id, how);
    if (s.unconsumed > 0) {
      // Nobody will consume a gone stream's octets: the connection gets them back now.
      this.creditConnection(s.unconsumed);
      s.unconsumed = 0;
    }
    if (this.streams.size === 0) {
      if (this.limits.idleTimeoutMs > 0) this.idleSince = this.clock.now();
      if (this.draining || this.goawayReceived) this.scheduleFlush(); // the flush closes the connection
    }
  }

  /** A stream error (§5.4.2): RST_STREAM, the stream is gone, the user hears onReset. */
  private streamError(s: Stream, code: number): void {
    this.guard.streamReset();
    this.guard.owe(this.socketCongested);
    this.writer.rstStream(s.id, code);
    this.closeStream(s, CLOSED_BY_US);
    this.scheduleFlush();
    this.handler.onReset(s.id, code);
  }

  /** A stream error on a stream the user never saw (refused, malformed request, or already closed). */
  private rejectStream(id: number, code: number): void {
    this.guard.streamReset();
    this.guard.owe(this.socketCongested);
    this.writer.rstStream(id, code);
    this.recent.add(id, CLOSED_BY_US);
    this.scheduleFlush();
  }

  /** A request whose header list is over our MAX_HEADER_LIST_SIZE: answered 431 (RFC 9113 §10.5.1), the rest of it ignored. */
  private refuseTooLarge(id: number, endStream: boolean): void {
    this.guard.streamReset();
    this.guard.owe(this.socketCongested);
    this.writer.headers(id, true, this.encoder.encode([[':status', '431']]), this.peerMaxFrameSize);
    // §8.1: a server that answered early may stop the request body without error.
    if (!endStream) this.writer.rstStream(id, ErrorCode.NO_ERROR);
    this.recent.add(id, CLOSED_BY_US);
    this.scheduleFlush();
  }

  private sendableStream(id: number): Stream {
    const s = this.streams.get(id);
    if (s === undefined || s.localEnded || this.closing) {
      throw new H2Error(ErrorCode.STREAM_CLOSED, `stream ${id} is ${this.closing ? 'on a closed connection' : s === undefined ? 'not open' : 'already ended by us'}`);
    }
    return s;
  }

  private checkPeerHeaderListSize(headers: HeaderList): void {
    if (this.peerMaxHeaderListSize === UNLIMITED) return;
    let size = 0;
    for (let i = 0; i < headers.length; i++) size += headers[i]![0].length + headers[i]![1].length + 32;
    if (size > this.peerMaxHeaderListSize) {
      throw new H2Error(ErrorCode.ENHANCE_YOUR_CALM, `a header list of ${size} octets exceeds the peer's SETTINGS_MAX_HEADER_LIST_SIZE ${this.peerMaxHeaderListSize}`);
    }
  }

  /** An id no stream has used yet (§5.1 idle). */
  private isIdle(id: number): boolean {
    if (this.isOurs(id)) return !this.isClient || id >= this.nextStreamId;
    return id > this.lastPeerStreamId;
  }

  private isOurs(id: number): boolean {
    return (id & 1) === (this.isClient ? 1 : 0);
  }

  private whyNoStream(): string {
    if (!this.isClient) return 'the server role does not open streams';
    if (!this.started || this.closing) return 'the connection is not open';
    if (this.draining) return 'we sent GOAWAY';
    if (this.goawayReceived) return 'the peer sent GOAWAY';
    if (this.nextStreamId > MAX_INT31) return 'stream ids are exhausted';
    return `the peer allows ${this.peerMaxConcurrentStreams} concurrent streams`;
  }

  // ---- Flow control -----------------------------------------------------------------------

  private creditConnection(n: number): void {
    this.connOwed += n;
    if (this.connOwed >= this.connectionWindow >>> 1 && !this.closing) {
      this.writer.windowUpdate(0, this.connOwed);
      this.connRecvWindow += this.connOwed;
      this.connOwed = 0;
      this.scheduleFlush();
    }
  }

  private creditStream(s: Stream, n: number): void {
    if (s.remoteEnded) return; // no more DATA will come: no stream credit needed
    s.owed += n;
    if (s.owed >= this.streamRecvWindow >>> 1) {
      this.writer.windowUpdate(s.id, s.owed);
      s.recvWindow += s.owed;
      s.owed = 0;
      this.scheduleFlush();
    }
  }

  private canWrite(s: Stream): boolean {
    return (
      s.sendWindow > 0 &&
      this.connSendWindow > 0 &&
      this.socket.writableLength + this.writer.pendingBytes < this.limits.maxBufferedWriteBytes
    );
  }

  private block(s: Stream): void {
    if (s.wantWritable) return;
    s.wantWritable = true;
    this.blocked.push(s);
  }

  /**
   * Calls onWritable for every blocked stream that can now make progress, longest waiting first. A stream
   * that writes and blocks again goes behind the ones still waiting (round robin): else the first large
   * stream refills the socket buffer at every drain, and a small call blocked behind it waits for it to end.
   */
  private notifyWritable(): void {
    if (this.blocked.length === 0) return;
    const list = this.blocked;
    this.blocked = [];
    let waiting: Stream[] | undefined;
    for (let i = 0; i < list.length; i++) {
      const s = list[i]!;
      if (!s.wantWritable || s.gone) continue;
      if (this.closing || !this.canWrite(s)) {
        (waiting ??= []).push(s);
        continue;
      }
      s.wantWritable = false;
      this.handler.onWritable(s.id);
    }
    if (waiting !== undefined) this.blocked = this.blocked.length === 0 ? waiting : waiting.concat(this.blocked);
  }

  // ---- Writing and lifecycle --------------------------------------------------------------

  private writePreface(): void {
    if (this.isClient) this.writer.raw(CLIENT_PREFACE);
    this.writer.settings(settingsEntries(this.local));
    if (this.connectionWindow > DEFAULT_INITIAL_WINDOW_SIZE) {
      this.writer.windowUpdate(0, this.connectionWindow - DEFAULT_INITIAL_WINDOW_SIZE);
      this.connRecvWindow = this.connectionWindow;
    }
    this.flush();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    process.nextTick(this.flush);
  }

  private readonly flush = (): void => {
    this.flushScheduled = false;
    if (this.closing) return;
    try {
      if (this.writer.pendingBytes > 0 && !this.writer.flushTo(this.socket)) this.socketCongested = true;
      if (this.streams.size === 0 && ((this.draining && this.goawaySent) || this.goawayReceived)) {
        this.shutdown(ErrorCode.NO_ERROR, undefined);
        return;
      }
      if (!this.socketCongested) this.notifyWritable();
    } catch (err) {
      this.fail(err);
    }
  };

  private readonly onSocketDrain = (): void => {
    this.socketCongested = false;
    this.guard.drained();
    try {
      this.notifyWritable();
    } catch (err) {
      this.fail(err);
    }
  };

  private readonly onSocketEnd = (): void => {
    if (this.closing) return;
    const open = this.streams.size;
    this.shutdown(ErrorCode.NO_ERROR, open > 0 ? new Error(`the peer closed the connection with ${open} streams open`) : undefined);
  };

  private readonly onSocketError = (err: Error): void => {
    if (this.closing) return;
    this.writer.discard();
    this.finishClose(err);
    this.socket.destroy();
  };

  private readonly onSocketClose = (): void => {
    if (!this.closing) {
      this.writer.discard();
      const open = this.streams.size;
      this.finishClose(open > 0 || !this.settingsReceived ? new Error('the connection closed unexpectedly') : undefined);
    }
    this.timers.abort();
    this.resolveClosed();
  };

  private sendFinalGoaway(code: number, debug: string): void {
    this.goawaySent = true;
    this.goawayLastId = this.lastPeerStreamId;
    this.writer.goaway(this.lastPeerStreamId, code, debugBytes(debug));
  }

  /** A connection error (§5.4.1), or a handler that threw. */
  private fail(err: unknown): void {
    if (err instanceof H2Error) this.shutdown(err.code, err);
    else {
      const cause = err instanceof Error ? err : new Error(String(err));
      this.shutdown(ErrorCode.INTERNAL_ERROR, cause);
    }
  }

  /** GOAWAY, our end of the socket, onClose; the socket is destroyed when the peer closes its end or after limits.lingerMs. */
  private shutdown(code: number, err: Error | undefined): void {
    if (this.closing) return;
    if (!this.started) {
      // Our listeners are not on the socket yet: nobody else will see it close.
      this.socket.destroy();
      this.finishClose(err);
      this.resolveClosed();
      return;
    }
    if (!this.socket.destroyed) {
      try {
        // A second GOAWAY with an error code after a graceful one is allowed (§6.8).
        if (!this.goawaySent || code !== ErrorCode.NO_ERROR) {
          this.goawaySent = true;
          // Debug data carries our own protocol verdicts only; other errors may hold anything.
          this.writer.goaway(this.lastPeerStreamId, code, debugBytes(err instanceof H2Error ? err.message : ''));
        }
        this.writer.flushTo(this.socket);
        this.socket.end();
      } catch {
        // The socket is failing already; destroy() below makes sure it goes.
        this.socket.destroy();
      }
      if (this.limits.lingerMs > 0) this.after(this.limits.lingerMs, this.destroySocket);
      else this.socket.destroy();
    } else {
      this.socket.destroy();
    }
    this.finishClose(err);
  }

  private finishClose(err: Error | undefined): void {
    if (this.closing) return;
    this.closing = true;
    this.writer.discard();
    for (const s of this.streams.values()) s.gone = true;
    this.streams.clear();
    this.blocked = [];
    this.rejectReady(err ?? new Error('the connection closed before the peer sent SETTINGS'));
    this.handler.onClose(err);
  }

  private readonly destroySocket = (): void => {
    this.socket.destroy();
  };

  private readonly onSettingsAckTimeout = (): void => {
    if (!this.localSettingsAcked) this.shutdown(ErrorCode.SETTINGS_TIMEOUT, new H2Error(ErrorCode.SETTINGS_TIMEOUT, 'our SETTINGS were not acknowledged in time'));
  };

  private readonly onIdleCheck = (): void => {
    if (this.closing || this.draining) return;
    const idle = this.limits.idleTimeoutMs;
    const idleFor = this.streams.size === 0 ? this.clock.now() - this.idleSince : 0;
    if (this.streams.size === 0 && idleFor >= idle) this.goaway(ErrorCode.NO_ERROR, 'idle');
    else this.after(idle - idleFor, this.onIdleCheck);
  };

  private readonly onDrainTimeout = (): void => {
    if (!this.closing) this.shutdown(ErrorCode.NO_ERROR, this.streams.size > 0 ? new Error(`${this.streams.size} streams still open when the drain timeout passed`) : undefined);
  };

  /** Runs `fn` after `ms` on the injected clock, unless the connection is fully closed first. */
  private after(ms: number, fn: () => void): void {
    this.clock.sleep(ms, this.timers.signal).then(() => {
      try {
        fn();
      } catch (err) {
        this.fail(err);
      }
    }, noop);
  }
}

/** The data of a PADDED frame, without its pad length octet and padding (§6.1). */
function unpad(payload: Buffer): Buffer {
  if (payload.length < 1) throw new H2Error(ErrorCode.FRAME_SIZE_ERROR, 'padded frame without a pad length');
  const end = payload.length - payload[0]!;
  if (end < 1) throw new H2Error(ErrorCode.PROTOCOL_ERROR, 'padding longer than the frame');
  return payload.subarray(1, end);
}

function debugBytes(debug: string): Buffer {
  return Buffer.from(debug.length > MAX_DEBUG_LENGTH ? debug.slice(0, MAX_DEBUG_LENGTH) : debug, 'utf8');
}
