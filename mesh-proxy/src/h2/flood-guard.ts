// Counts what a peer makes us do without asking for anything (resets, control frames, owed responses) and says when it is too much.
import type { Clock } from '../clock.js';
import { ErrorCode } from './constants.js';
import { H2Error } from './h2-error.js';
import type { Limits } from './limits.js';
import { TokenBucket } from './token-bucket.js';

/** Every check throws H2Error(ENHANCE_YOUR_CALM) when over its limit: a connection error (RFC 9113 §5.4.1). */
export class FloodGuard {
  private readonly resets: TokenBucket;
  private readonly control: TokenBucket;
  /** Responses queued since the socket last drained. */
  private owed = 0;

  constructor(
    private readonly limits: Limits,
    private readonly clock: Clock,
  ) {
    const now = clock.now();
    this.resets = new TokenBucket(limits.resetBurst, limits.resetsPerSecond, now);
    this.control = new TokenBucket(limits.controlFrameBurst, limits.controlFramesPerSecond, now);
  }

  /** A stream reset the peer caused: its RST_STREAM, a refused stream, or its stream error (rapid reset, MadeYouReset). */
  streamReset(): void {
    if (!this.resets.take(this.clock.now())) {
      throw new H2Error(ErrorCode.ENHANCE_YOUR_CALM, `more than ${this.limits.resetBurst} stream resets at ${this.limits.resetsPerSecond}/s`);
    }
  }

  /** A frame that costs work and carries no request: PING, SETTINGS, PRIORITY, empty DATA, unknown types. */
  controlFrame(): void {
    if (!this.control.take(this.clock.now())) {
      throw new H2Error(
        ErrorCode.ENHANCE_YOUR_CALM,
        `more than ${this.limits.controlFrameBurst} control frames at ${this.limits.controlFramesPerSecond}/s`,
      );
    }
  }

  /** Before queueing a frame we owe the peer; `congested`: the socket is not draining. */
  owe(congested: boolean): void {
    if (congested && ++this.owed > this.limits.maxPendingControlResponses) {
      throw new H2Error(
        ErrorCode.ENHANCE_YOUR_CALM,
        `more than ${this.limits.maxPendingControlResponses} responses queued on a socket that does not drain`,
      );
    }
  }

  /** The socket drained: what we owed has left. */
  drained(): void {
    this.owed = 0;
  }
}
