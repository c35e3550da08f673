// The contract between H2Connection and its user: the handler it calls and the options it takes, parsed once.
import { type Clock, systemClock } from '../clock.js';
import type { HeaderList } from './hpack/index.js';
import { type Limits, parseLimits } from './limits.js';
import { DEFAULT_CONNECTION_WINDOW, type Settings, parseSettings, uint } from './settings.js';
import { DEFAULT_INITIAL_WINDOW_SIZE, MAX_INT31 } from './constants.js';

/**
 * What the connection tells its user. Methods are called directly (no events), synchronously
 * while a frame is processed; they may call back into the connection. An exception thrown by
 * a handler method closes the connection (INTERNAL_ERROR) with that exception as the cause.
 */
export interface H2Handler {
  /**
   * HEADERS for a stream: a new request (server role: the stream is new), response headers (client role), or trailers (a later HEADERS, always with END_STREAM). Informational 1xx responses are passed through as headers too (endStream false).
   * `neverIndexed`: positions of fields the peer sent as never indexed, which a relay must send on the same way
   * (RFC 7541 §6.2.3: pass it to openStream/sendHeaders). Valid only during the call; copy it to keep it.
   */
  onHeaders(streamId: number, headers: HeaderList, endStream: boolean, neverIndexed: readonly number[]): void;
  /** A DATA payload (padding removed). Receive-window credit for it goes back to the peer only when the user calls consume(streamId, n): that is how a slow consumer slows the peer. */
  onData(streamId: number, data: Buffer, endStream: boolean): void;
  /** The stream was reset: by the peer (RST_STREAM), by us because of a stream error (then we already sent RST_STREAM), or not processed by a peer that sent GOAWAY (code REFUSED_STREAM: safe to retry). After it, the stream is gone. Not called for reset() by the user. */
  onReset(streamId: number, code: number): void;
  /** The send window of a stream that sendData could not fully accept has grown (stream or connection WINDOW_UPDATE, SETTINGS_INITIAL_WINDOW_SIZE increase, or the socket drained). */
  onWritable(streamId: number): void;
  /** The peer sent GOAWAY: streams above lastStreamId were not processed (safe to retry elsewhere; each also gets onReset REFUSED_STREAM right after); no new streams may be opened. */
  onGoaway(lastStreamId: number, code: number, debug: string): void;
  /** The connection is gone (socket closed, connection error, or close()); every open stream is gone with it (no onReset per stream — the user owns that cleanup). Called once. */
  onClose(err: Error | undefined): void;
}

export interface H2ConnectionOptions {
  role: 'client' | 'server';
  /** Our settings; defaults tuned for a proxy (DEFAULT_SETTINGS). */
  settings?: Partial<Settings>;
  /** Connection-level receive window we grant (WINDOW_UPDATE on stream 0 right after the preface), default 16 MiB. */
  connectionWindow?: number;
  /** Protection limits (DEFAULT_LIMITS). */
  limits?: Partial<Limits>;
  /** Time for timeouts and rate limits; systemClock by default. */
  clock?: Clock;
  /** Client role: the id of the first stream opened (odd). Only tests need another value than 1, to reach stream-id exhaustion. */
  firstStreamId?: number;
}

export interface ParsedOptions {
  role: 'client' | 'server';
  settings: Settings;
  connectionWindow: number;
  limits: Limits;
  clock: Clock;
  firstStreamId: number;
}

/** Validates every option once; a bad value throws a RangeError naming the property. */
export function parseConnectionOptions(o: H2ConnectionOptions): ParsedOptions {
  if (o.role !== 'client' && o.role !== 'server') throw new RangeError(`role: must be "client" or "server", got ${String(o.role)}`);
  const connectionWindow = o.connectionWindow ?? DEFAULT_CONNECTION_WINDOW;
  uint(connectionWindow, 'connectionWindow', MAX_INT31);
  if (connectionWindow < DEFAULT_INITIAL_WINDOW_SIZE) {
    // The connection window can only grow by WINDOW_UPDATE; it starts at 65535 (RFC 9113 §6.9.2).
    throw new RangeError(`connectionWindow: must be at least ${DEFAULT_INITIAL_WINDOW_SIZE}, got ${connectionWindow}`);
  }
  const firstStreamId = o.firstStreamId ?? 1;
  uint(firstStreamId, 'firstStreamId', MAX_INT31);
  if (firstStreamId % 2 !== 1) throw new RangeError(`firstStreamId: a client's stream ids are odd, got ${firstStreamId}`);
  return {
    role: o.role,
    settings: parseSettings(o.settings),
    connectionWindow,
    limits: parseLimits(o.limits),
    clock: o.clock ?? systemClock,
    firstStreamId,
  };
}
