// A bounded memory of streams that closed, and how, so late frames on them get the answer RFC 9113 §5.1 asks for.

/** We sent RST_STREAM (or refused the stream): frames the peer had in flight are ignored. */
export const CLOSED_BY_US = 1;
/** The peer sent RST_STREAM: anything more from it on the stream is STREAM_CLOSED. */
export const CLOSED_BY_PEER = 2;
/** Both sides sent END_STREAM: anything more but WINDOW_UPDATE, RST_STREAM, PRIORITY is STREAM_CLOSED. */
export const CLOSED_ENDED = 3;

export type HowClosed = typeof CLOSED_BY_US | typeof CLOSED_BY_PEER | typeof CLOSED_ENDED;

/**
 * The last streams that closed, in slots indexed by stream id: ids of one initiator are all odd
 * (or all even), so id >>> 1 numbers them densely and a newer stream takes the slot of one
 * `capacity` streams older. Adding and looking up are an array access each: no hashing, no
 * allocation, on the path every stream takes.
 */
export class RecentlyClosed {
  private readonly ids: Int32Array;
  private readonly how: Uint8Array;
  private readonly mask: number;

  /** `capacity` is rounded up to a power of two. */
  constructor(capacity: number) {
    const size = 2 ** Math.ceil(Math.log2(Math.max(2, capacity)));
    this.ids = new Int32Array(size);
    this.how = new Uint8Array(size);
    this.mask = size - 1;
  }

  add(streamId: number, how: HowClosed): void {
    const slot = (streamId >>> 1) & this.mask;
    this.ids[slot] = streamId;
    this.how[slot] = how;
  }

  get(streamId: number): HowClosed | undefined {
    const slot = (streamId >>> 1) & this.mask;
    return this.ids[slot] === streamId ? (this.how[slot] as HowClosed) : undefined;
  }
}
