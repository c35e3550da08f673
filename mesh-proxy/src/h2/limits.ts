// Protection limits of one HTTP/2 connection, each named for what it bounds, with their defaults.
import { uint } from './settings.js';

export interface Limits {
  /**
   * Peer-caused stream resets tolerated at once: RST_STREAM from the peer on an open stream, streams we
   * refuse, and streams we reset because of the peer's stream errors. Beyond the bucket: GOAWAY
   * ENHANCE_YOUR_CALM. Bounds "rapid reset" (CVE-2023-44487) and its variant where the peer
   * provokes our resets ("MadeYouReset", CVE-2025-8671).
   */
  resetBurst: number;
  /** Rate at which the reset bucket refills. */
  resetsPerSecond: number;
  /**
   * Frames that cost us work but carry no request: PING, SETTINGS, PRIORITY, empty DATA without
   * END_STREAM, unknown frame types (CVE-2019-9512, -9515, -9518). Beyond: GOAWAY ENHANCE_YOUR_CALM.
   */
  controlFrameBurst: number;
  controlFramesPerSecond: number;
  /**
   * Responses we owe the peer (PING/SETTINGS ACK, RST_STREAM) queued while the socket is not
   * draining: a peer that sends but does not read cannot grow our queue beyond this.
   */
  maxPendingControlResponses: number;
  /** Octets of one header block before END_HEADERS (HEADERS + CONTINUATION payloads); beyond: connection error. */
  maxHeaderBlockBytes: number;
  /** CONTINUATION frames in one header block (empty ones cost nothing in octets; CVE-2024-27316 and kin). */
  maxContinuationFrames: number;
  /**
   * Bytes the engine itself may hold for the socket (queued frames plus the socket's own buffer):
   * above it sendData takes nothing. Flow control bounds the rest; beyond that it is the caller's buffer.
   */
  maxBufferedWriteBytes: number;
  /** Our SETTINGS must be acknowledged within this; 0: wait forever. */
  settingsAckTimeoutMs: number;
  /** A connection without streams for this long is closed gracefully; 0: never. */
  idleTimeoutMs: number;
  /** After goaway(), streams still open this long are cut and the connection closed. */
  drainTimeoutMs: number;
  /** After GOAWAY and our end of the socket, how long the peer gets to close its end before we destroy the socket. */
  lingerMs: number;
}

export const DEFAULT_RESET_BURST = 1000;
export const DEFAULT_RESETS_PER_SECOND = 500;
export const DEFAULT_CONTROL_FRAME_BURST = 1000;
export const DEFAULT_CONTROL_FRAMES_PER_SECOND = 500;
/** The value nghttp2 uses for its outbound ACK queue. */
export const DEFAULT_MAX_PENDING_CONTROL_RESPONSES = 1000;
export const DEFAULT_MAX_HEADER_BLOCK_BYTES = 128 * 1024;
export const DEFAULT_MAX_CONTINUATION_FRAMES = 64;
export const DEFAULT_MAX_BUFFERED_WRITE_BYTES = 256 * 1024;
export const DEFAULT_SETTINGS_ACK_TIMEOUT_MS = 10_000;
export const DEFAULT_IDLE_TIMEOUT_MS = 0;
export const DEFAULT_DRAIN_TIMEOUT_MS = 30_000;
export const DEFAULT_LINGER_MS = 2000;

export const DEFAULT_LIMITS: Readonly<Limits> = {
  resetBurst: DEFAULT_RESET_BURST,
  resetsPerSecond: DEFAULT_RESETS_PER_SECOND,
  controlFrameBurst: DEFAULT_CONTROL_FRAME_BURST,
  controlFramesPerSecond: DEFAULT_CONTROL_FRAMES_PER_SECOND,
  maxPendingControlResponses: DEFAULT_MAX_PENDING_CONTROL_RESPONSES,
  maxHeaderBlockBytes: DEFAULT_MAX_HEADER_BLOCK_BYTES,
  maxContinuationFrames: DEFAULT_MAX_CONTINUATION_FRAMES,
  maxBufferedWriteBytes: DEFAULT_MAX_BUFFERED_WRITE_BYTES,
  settingsAckTimeoutMs: DEFAULT_SETTINGS_ACK_TIMEOUT_MS,
  idleTimeoutMs: DEFAULT_IDLE_TIMEOUT_MS,
  drainTimeoutMs: DEFAULT_DRAIN_TIMEOUT_MS,
  lingerMs: DEFAULT_LINGER_MS,
};

/** Defaults merged with `given`; a bad value throws a RangeError naming the property. */
export function parseLimits(given: Partial<Limits> = {}, path = 'limits'): Limits {
  const l: Limits = { ...DEFAULT_LIMITS, ...given };
  for (const key of Object.keys(DEFAULT_LIMITS) as Array<keyof Limits>) uint(l[key], `${path}.${key}`, Number.MAX_SAFE_INTEGER);
  for (const key of ['resetBurst', 'resetsPerSecond', 'controlFrameBurst', 'controlFramesPerSecond'] as const) {
    if (l[key] < 1) throw new RangeError(`${path}.${key}: must be at least 1, got ${l[key]}`);
  }
  return l;
}
