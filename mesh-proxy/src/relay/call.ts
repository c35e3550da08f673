// One proxied call: a downstream stream bridged to the upstream stream of its current attempt.
//
// Flow control is credit-based end to end: bytes received on one side are credited back to
// their sender (consume → WINDOW_UPDATE) only once the other side has taken them, so a slow
// reader holds the writer back and the proxy never buffers more than the windows it granted
// (plus, before a response starts, up to maxReplayBytes kept to replay a retried request).
import type { H2Connection, HeaderList } from '../h2/index.js';
import type { Deadlines, Expirable } from './deadlines.js';
import { GrpcStatus, grpcStatusOf, trailersOnly } from './grpc-wire.js';

export type AttemptFailure =
  | { kind: 'connect_failure'; message: string }
  /** REFUSED_STREAM, or GOAWAY above our stream id: the upstream did not process it. */
  | { kind: 'refused_stream' }
  | { kind: 'reset'; code: number }
  /** A trailers-only response (status before any message). */
  | { kind: 'status'; grpcStatus: number; headers: HeaderList };

/** One side's connection and its calls by stream id (the downstream or an upstream connection). */
export interface Link {
  readonly conn: H2Connection;
  readonly calls: Map<number, Call>;
  /** Where a downstream link's calls wait for their deadline (the listener's); absent upstream. */
  readonly deadlines?: Deadlines | undefined;
}

/** What decides where a call goes: the outbound router (balancing, retries) or the inbound forwarder. */
export interface CallOwner {
  /** The current attempt failed before its response began; retry (attach again) or fail the call. */
  attemptFailed(call: Call, failure: AttemptFailure): void;
  /** The response began (headers forwarded): the attempt's outcome is known to be a response. */
  responseStarted(call: Call, headers: HeaderList): void;
  /** Both directions are over (or reset); called once. */
  finished(call: Call): void;
}

const EMPTY = Buffer.alloc(0);
const RST_NO_ERROR = 0x0;
const RST_INTERNAL_ERROR = 0x2;
const RST_CANCEL = 0x8;

export class Call implements Expirable {
  // --- the upstream attempt -------------------------------------------------------------
  /** The upstream connection of the current attempt, while one is attached. */
  upLink: Link | undefined;
  private up: H2Connection | undefined;
  upId = 0;
  /** Attempts made so far (1 after the first attach). */
  attempts = 0;

  // --- request body (downstream → upstream) ---------------------------------------------
  /** Request chunks not yet dropped: all of them while replayable, else only the unsent ones. */
  private chunks: Buffer[] = [];
  /** How far the current attempt got: index into chunks and offset in that chunk. */
  private sentIndex = 0;
  private sentOffset = 0;
  /** Bytes sent to the current attempt, and bytes credited back to the downstream so far. */
  private sentBytes = 0;
  private creditedBytes = 0;
  /** Bytes kept in `chunks`; -1 once the body outgrew the replay bound (or the response began). */
  private keptBytes = 0;
  private requestEnded = false;
  private requestEndSent = false;
  private requestTrailers: HeaderList | undefined;

  // --- response (upstream → downstream) -------------------------------------------------
  /** Response bytes the downstream did not take yet. */
  private responseQueue: Buffer[] = [];
  private responseEnded = false;
  private responseTrailers: HeaderList | undefined;
  /** Response headers forwarded: from now on the call is committed to this attempt. */
  committed = false;
  /** grpc-status seen in the response trailers (or trailers-only response). */
  grpcStatus: number | undefined;
  /** The RST_STREAM code when the call ended by a reset. */
  resetCode: number | undefined;
  done = false;
  readonly startedAt: number;
  /** performance.now() at the start, for latency with sub-millisecond resolution. */
  readonly startedMono = performance.now();
  /** This hop's trace context to send upstream (set by the observer when the call starts). */
  traceparent: string | undefined;
  /** The call's tracing span, ended with its status when the call ends. */
  span: { end(grpcStatusCode: number): void } | undefined;
  /** Position in the listener's deadline heap (owned by Deadlines). */
  deadlineSlot = -1;

  readonly down: H2Connection;

  constructor(
    readonly owner: CallOwner,
    readonly downLink: Link,
    readonly downId: number,
    /** Request headers as received from the downstream. */
    readonly requestHeaders: HeaderList,
    /** Absolute deadline (epoch ms) from grpc-timeout, if any. */
    readonly deadline: number | undefined,
    /** Request bytes kept for replay; 0 disables retries of calls with a body. */
    private readonly maxReplayBytes: number,
    requestEnded: boolean,
    now: number,
  ) {
    this.down = downLink.conn;
    this.requestEnded = requestEnded;
    this.startedAt = now;
    downLink.calls.set(downId, this);
    // The proxy's own timer for the deadline: the caller may never reset, the upstream may ignore grpc-timeout.
    if (deadline !== undefined) downLink.deadlines?.add(this);
  }

  /** True while a retry could still resend the whole request. */
  get replayable(): boolean {
    return this.keptBytes >= 0 && !this.committed;
  }

  /** True when the request, so far, fits in one upstream HEADERS with END_STREAM. */
  get requestComplete(): boolean {
    return this.requestEnded && this.chunks.length === 0 && this.requestTrailers === undefined;
  }

  // ======================= wiring an attempt =======================

  /** The owner opened upstream stream `id` on `link` for a new attempt (with END_STREAM when requestComplete). */
  attach(link: Link, id: number, endStreamSent: boolean): void {
    this.upLink = link;
    this.up = link.conn;
    this.upId = id;
    link.calls.set(id, this);
    this.attempts++;
    this.sentIndex = 0;
    this.sentOffset = 0;
    this.sentBytes = 0;
    this.requestEndSent = endStreamSent;
    this.flushRequest();
  }

  /** The attempt is over (failed): forget its stream; the body stays for a replay if replayable. */
  detach(): void {
    if (this.upLink !== undefined && this.upLink.calls.get(this.upId) === this) this.upLink.calls.delete(this.upId);
    this.upLink = undefined;
    this.up = undefined;
    this.upId = 0;
  }

  // ======================= events from the downstream =======================

  onRequestData(data: Buffer, endStream: boolean): void {
    if (endStream) this.requestEnded = true;
    if (data.length > 0) {
      this.chunks.push(data);
      if (this.keptBytes >= 0) {
        this.keptBytes += data.length;
        if (this.keptBytes > this.maxReplayBytes && !this.committed) this.stopKeeping();
      }
    }
    if (this.up !== undefined) this.flushRequest();
  }

  onRequestTrailers(headers: HeaderList): void {
    this.requestEnded = true;
    this.requestTrailers = headers;
    if (this.up !== undefined) this.flushRequest();
  }

  /** The downstream cancelled (RST_STREAM): the upstream must see it too. */
  onDownstreamReset(code: number): void {
    if (this.done) return;
    if (this.up !== undefined) this.up.reset(this.upId, code === RST_CANCEL ? RST_CANCEL : code);
    this.finish(code);
  }

  onDownstreamWritable(): void {
    this.flushResponse();
  }

  // ======================= events from the upstream =======================

  onResponseHeaders(headers: HeaderList, endStream: boolean): void {
    if (this.done) return;
    if (!this.committed) {
      const status = endStream ? grpcStatusOf(headers) : undefined;
      if (status !== undefined && status !== 0) {
        // Trailers-only error: nothing forwarded yet, so the owner may still retry it. The upstream ended
        // only its side: while our request is still open, stop it (RFC 9113 §8.1 RST_STREAM(NO_ERROR)),
        // else the stream stays open on that connection for ever and counts against its concurrency limit.
        if (!this.requestEndSent) this.up?.reset(this.upId, RST_NO_ERROR);
        this.failAttempt({ kind: 'status', grpcStatus: status, headers });
        return;
      }
      this.commit(headers, endStream);
      return;
    }
    // Trailers: after every queued DATA byte.
    this.grpcStatus = grpcStatusOf(headers);
    this.responseEnded = true;
    this.responseTrailers = headers;
    this.flushResponse();
  }

  onResponseData(data: Buffer, endStream: boolean): void {
    if (this.done) return;
    if (data.length > 0) {
      if (this.responseQueue.length === 0) {
        const taken = this.down.sendData(this.downId, data, false);
        this.up!.consume(this.upId, taken);
        if (taken < data.length) this.responseQueue.push(data.subarray(taken));
      } else {
        this.responseQueue.push(data);
      }
    }
    if (endStream) {
      this.responseEnded = true;
      this.flushResponse();
    }
  }

  /** The upstream reset the stream (or refused it, or its connection went away). */
  onUpstreamReset(code: number, refused: boolean): void {
    if (this.done) return;
    // RST_STREAM(NO_ERROR) after a complete response only asks us to stop sending the request
    // (RFC 9113 §8.1); the response still goes out in full.
    if (code === RST_NO_ERROR && this.responseEnded) {
      this.requestEndSent = true;
      this.detach();
      return;
    }
    if (!this.committed) {
      this.failAttempt(refused ? { kind: 'refused_stream' } : { kind: 'reset', code });
      return;
    }
    // The response began: the caller cannot be given another one. Pass the reset on.
    this.down.reset(this.downId, code === RST_CANCEL ? RST_CANCEL : RST_INTERNAL_ERROR);
    this.finish(code);
  }

  onUpstreamWritable(): void {
    this.flushRequest();
  }

  // ======================= answers made by the proxy =======================

  /**
   * Ends the call with one trailers-only response: the proxy's own status (no endpoint, overload,
   * deadline) or an upstream's final error that will not be retried. Only before a response began.
   */
  respond(headers: HeaderList): void {
    if (this.done || this.committed) return;
    if (this.up !== undefined) this.up.reset(this.upId, RST_CANCEL);
    this.detach();
    this.committed = true;
    this.grpcStatus = grpcStatusOf(headers);
    this.responseEnded = true;
    this.down.sendHeaders(this.downId, headers, true);
    this.finish(undefined);
  }

  /** The caller's deadline passed: DEADLINE_EXCEEDED if no response began, else reset both sides. */
  expire(): void {
    if (this.done) return;
    if (!this.committed) {
      this.respond(trailersOnly(GrpcStatus.DEADLINE_EXCEEDED, 'deadline exceeded (mesh-proxy)'));
      return;
    }
    this.abort(RST_CANCEL);
  }

  /** Resets both sides (proxy shutting down, a connection lost). */
  abort(code: number): void {
    if (this.done) return;
    if (this.up !== undefined) this.up.reset(this.upId, code);
    this.down.reset(this.downId, code);
    this.finish(code);
  }

  // ======================= internals =======================

  private failAttempt(failure: AttemptFailure): void {
    // The failed stream's unconsumed DATA needs no credit: the stream is gone.
    this.detach();
    this.owner.attemptFailed(this, failure);
  }

  private commit(headers: HeaderList, endStream: boolean): void {
    this.committed = true;
    if (this.keptBytes >= 0) this.stopKeeping();
    if (endStream) {
      this.grpcStatus = grpcStatusOf(headers);
      this.responseEnded = true;
    }
    this.down.sendHeaders(this.downId, headers, endStream);
    this.owner.responseStarted(this, headers);
    if (endStream) this.finish(undefined);
  }

  /** Drops what the current attempt has already sent and keeps only the unsent rest. */
  private stopKeeping(): void {
    this.keptBytes = -1;
    this.dropSent();
  }

  private dropSent(): void {
    if (this.sentIndex === 0) return;
    this.chunks.splice(0, this.sentIndex);
    this.sentIndex = 0;
  }

  private flushRequest(): void {
    const up = this.up;
    if (up === undefined || this.done) return;
    const chunks = this.chunks;
    while (this.sentIndex < chunks.length) {
      const chunk = chunks[this.sentIndex]!;
      const rest = this.sentOffset === 0 ? chunk : chunk.subarray(this.sentOffset);
      const last = this.sentIndex === chunks.length - 1 && this.requestEnded && this.requestTrailers === undefined;
      const taken = up.sendData(this.upId, rest, last);
      this.sentBytes += taken;
      if (this.sentBytes > this.creditedBytes) {
        this.down.consume(this.downId, this.sentBytes - this.creditedBytes);
        this.creditedBytes = this.sentBytes;
      }
      if (taken < rest.length) {
        this.sentOffset += taken;
        break;
      }
      this.sentIndex++;
      this.sentOffset = 0;
      if (last) this.requestEndSent = true;
    }
    if (this.keptBytes < 0) this.dropSent();
    if (this.sentIndex < chunks.length || this.requestEndSent || !this.requestEnded) return;
    // Everything sent: end the request with trailers, or with an empty END_STREAM DATA frame.
    if (this.requestTrailers !== undefined) up.sendHeaders(this.upId, this.requestTrailers, true);
    else up.sendData(this.upId, EMPTY, true);
    this.requestEndSent = true;
  }

  private flushResponse(): void {
    if (this.done) return;
    const queue = this.responseQueue;
    while (queue.length > 0) {
      const chunk = queue[0]!;
      const taken = this.down.sendData(this.downId, chunk, false);
      if (this.up !== undefined) this.up.consume(this.upId, taken);
      if (taken < chunk.length) {
        queue[0] = chunk.subarray(taken);
        return;
      }
      queue.shift();
    }
    if (!this.responseEnded) return;
    if (this.responseTrailers !== undefined) this.down.sendHeaders(this.downId, this.responseTrailers, true);
    else this.down.sendData(this.downId, EMPTY, true);
    this.finish(undefined);
  }

  private finish(resetCode: number | undefined): void {
    if (this.done) return;
    this.done = true;
    this.resetCode = resetCode;
    if (resetCode === undefined) {
      // A complete response before the complete request: stop both request streams cleanly
      // (RFC 9113 §8.1 allows RST_STREAM(NO_ERROR) for exactly this).
      if (this.up !== undefined && !this.requestEndSent) this.up.reset(this.upId, RST_NO_ERROR);
      if (!this.requestEnded) this.down.reset(this.downId, RST_NO_ERROR);
    }
    this.chunks = [];
    this.responseQueue = [];
    this.detach();
    this.downLink.deadlines?.remove(this);
    if (this.downLink.calls.get(this.downId) === this) this.downLink.calls.delete(this.downId);
    this.owner.finished(this);
  }
}
