// The engine's record of one open stream: a small plain object with its state bits and both flow-control windows.

export class Stream {
  /** We sent END_STREAM (half-closed local). */
  localEnded = false;
  /** The peer sent END_STREAM (half-closed remote). */
  remoteEnded = false;
  /** Request headers (server) or the final, non-1xx response headers (client) arrived; later HEADERS are trailers. */
  headersReceived = false;
  /** sendData could not take everything: owed an onWritable. */
  wantWritable = false;
  /** Removed from the connection; set so late references (the blocked list) can tell. */
  gone = false;
  /** Octets delivered by onData and not yet given back with consume(). */
  unconsumed = 0;
  /** Octets consumed (or padding) not yet returned to the peer in a WINDOW_UPDATE. */
  owed = 0;
  /** content-length of what the peer sends, or -1; and the DATA octets received so far. */
  contentLength = -1;
  received = 0;

  constructor(
    readonly id: number,
    /** What we may still send: the peer's window for this stream; may go negative (RFC 9113 §6.9.2). */
    public sendWindow: number,
    /** What the peer may still send us on this stream. */
    public recvWindow: number,
  ) {}
}
