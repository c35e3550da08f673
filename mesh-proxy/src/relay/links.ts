// The H2 handlers of the relay: they route each connection's stream events to the Call of that stream.
import type { H2Connection, H2Handler, HeaderList } from '../h2/index.js';
import type { Call, Link } from './call.js';
import type { Deadlines } from './deadlines.js';

const RST_INTERNAL_ERROR = 0x2;
const RST_REFUSED_STREAM = 0x7;
const RST_CANCEL = 0x8;

/** Makes the Call for a new downstream stream (the listener: inbound forwarder or outbound router). */
export interface CallFactory {
  newCall(link: DownstreamLink, streamId: number, headers: HeaderList, endStream: boolean): void;
  /** The downstream connection closed (for connection gauges and logs). */
  closed?(link: DownstreamLink, err: Error | undefined): void;
}

/** A connection accepted from a client (an app, or a peer sidecar). */
export class DownstreamLink implements H2Handler, Link {
  readonly calls = new Map<number, Call>();
  conn!: H2Connection;

  constructor(
    private readonly factory: CallFactory,
    /** Where calls with a grpc-timeout wait for it to pass (shared by the listener's connections). */
    readonly deadlines?: Deadlines,
  ) {}

  onHeaders(streamId: number, headers: HeaderList, endStream: boolean): void {
    const call = this.calls.get(streamId);
    if (call === undefined) this.factory.newCall(this, streamId, headers, endStream);
    else call.onRequestTrailers(headers);
  }

  onData(streamId: number, data: Buffer, endStream: boolean): void {
    const call = this.calls.get(streamId);
    // DATA for a call that is over (answered early, reset): credit it so the connection window does not leak.
    if (call === undefined) this.conn.consume(streamId, data.length);
    else call.onRequestData(data, endStream);
  }

  onReset(streamId: number, code: number): void {
    this.calls.get(streamId)?.onDownstreamReset(code);
  }

  onWritable(streamId: number): void {
    this.calls.get(streamId)?.onDownstreamWritable();
  }

  onGoaway(): void {
    // A client going away lets its open calls finish; nothing to do until it closes.
  }

  onClose(err: Error | undefined): void {
    for (const call of [...this.calls.values()]) call.abort(RST_CANCEL);
    this.factory.closed?.(this, err);
  }
}

/** What an upstream connection tells its pool. */
export interface UpstreamEvents {
  /** No new streams may go on this connection (GOAWAY received, or closed). */
  unusable(link: UpstreamLink): void;
  /** A stream slot freed up (the pool may hand the connection out again). */
  released?(link: UpstreamLink): void;
}

/** A connection the proxy opened to an endpoint (a peer sidecar, or the local app). */
export class UpstreamLink implements H2Handler, Link {
  readonly calls = new Map<number, Call>();
  conn!: H2Connection;
  /** GOAWAY received or the connection closed: no new streams. */
  draining = false;

  constructor(
    readonly endpointId: string,
    private readonly events: UpstreamEvents,
  ) {}

  onHeaders(streamId: number, headers: HeaderList, endStream: boolean): void {
    this.calls.get(streamId)?.onResponseHeaders(headers, endStream);
  }

  onData(streamId: number, data: Buffer, endStream: boolean): void {
    const call = this.calls.get(streamId);
    if (call === undefined) this.conn.consume(streamId, data.length);
    else call.onResponseData(data, endStream);
  }

  onReset(streamId: number, code: number): void {
    const call = this.calls.get(streamId);
    if (call === undefined) return;
    this.calls.delete(streamId);
    call.onUpstreamReset(code, code === RST_REFUSED_STREAM);
    this.events.released?.(this);
  }

  onWritable(streamId: number): void {
    this.calls.get(streamId)?.onUpstreamWritable();
  }

  onGoaway(lastStreamId: number): void {
    this.draining = true;
    this.events.unusable(this);
    // Streams above lastStreamId were never processed: safe to retry anywhere (RFC 9113 §6.8).
    for (const [id, call] of [...this.calls]) {
      if (id > lastStreamId) {
        this.calls.delete(id);
        call.onUpstreamReset(RST_REFUSED_STREAM, true);
      }
    }
  }

  onClose(): void {
    this.draining = true;
    this.events.unusable(this);
    for (const [id, call] of [...this.calls]) {
      this.calls.delete(id);
      // The connection died under the stream: a reset, not a refusal (it may have been processed).
      call.onUpstreamReset(RST_INTERNAL_ERROR, false);
    }
  }

  /** Opens a stream for `call`'s next attempt; false when this connection cannot take one now. */
  open(call: Call, headers: HeaderList): boolean {
    if (this.draining || !this.conn.canOpenStream()) return false;
    const endStream = call.requestComplete;
    const id = this.conn.openStream(headers, endStream);
    call.attach(this, id, endStream);
    return true;
  }
}
