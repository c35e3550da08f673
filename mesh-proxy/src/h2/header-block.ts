// Reassembles one header block from HEADERS + CONTINUATION frames (RFC 9113 §4.3, §6.10), bounded against CONTINUATION floods.
import { ErrorCode } from './constants.js';
import { H2Error } from './h2-error.js';

export class HeaderBlockAssembler {
  /** The stream whose block is open; 0 when none is. While one is, any other frame is a PROTOCOL_ERROR. */
  streamId = 0;
  /** Flags of the HEADERS frame that opened the block. */
  endStream = false;
  priorityError = false;
  private fragments: Buffer[] = [];
  private bytes = 0;
  private frames = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly maxContinuations: number,
  ) {}

  /** A HEADERS frame without END_HEADERS opens the block. */
  begin(streamId: number, endStream: boolean, priorityError: boolean, fragment: Buffer): void {
    this.streamId = streamId;
    this.endStream = endStream;
    this.priorityError = priorityError;
    this.fragments = [fragment];
    this.bytes = fragment.length;
    this.frames = 0;
  }

  /** Adds a CONTINUATION payload; returns the whole block once END_HEADERS came, else undefined. */
  add(streamId: number, payload: Buffer, endHeaders: boolean): Buffer | undefined {
    if (this.streamId === 0 || streamId !== this.streamId) {
      throw new H2Error(ErrorCode.PROTOCOL_ERROR, `CONTINUATION on stream ${streamId} without a header block open there`);
    }
    this.bytes += payload.length;
    if (++this.frames > this.maxContinuations || this.bytes > this.maxBytes) {
      // Stop before buffering more: the block is never decoded, so HPACK state is lost and the connection must go.
      throw new H2Error(
        ErrorCode.ENHANCE_YOUR_CALM,
        `header block on stream ${streamId} exceeds ${this.maxContinuations} CONTINUATION frames or ${this.maxBytes} octets`,
      );
    }
    this.fragments.push(payload);
    if (!endHeaders) return undefined;
    const block = Buffer.concat(this.fragments, this.bytes);
    this.streamId = 0;
    this.fragments = [];
    return block;
  }
}
