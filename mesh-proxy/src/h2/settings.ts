// Our SETTINGS (RFC 9113 §6.5.2): the typed form, the defaults tuned for a proxy, validation and the wire entries.
import {
  DEFAULT_HEADER_TABLE_SIZE,
  DEFAULT_INITIAL_WINDOW_SIZE,
  MAX_INT31,
  MAX_MAX_FRAME_SIZE,
  MIN_MAX_FRAME_SIZE,
  SettingId,
  UNLIMITED,
} from './constants.js';
import type { SettingsEntries } from './frame-writer.js';

export interface Settings {
  /** Largest HPACK dynamic table the peer's encoder may use for what it sends us. */
  headerTableSize: number;
  /** Always false: this engine never pushes nor accepts pushes. */
  enablePush: boolean;
  /** Streams the peer may have open towards us at once; beyond it a new stream gets RST_STREAM(REFUSED_STREAM). */
  maxConcurrentStreams: number;
  /** Receive window we grant each new stream. */
  initialWindowSize: number;
  /** Largest frame payload we accept. */
  maxFrameSize: number;
  /** Largest header list we decode (RFC 7541 §4.1 size: names + values + 32 per field). */
  maxHeaderListSize: number;
}

export const DEFAULT_MAX_CONCURRENT_STREAMS = 1000;
export const DEFAULT_STREAM_WINDOW = 1024 * 1024;
export const DEFAULT_MAX_FRAME_SIZE = MIN_MAX_FRAME_SIZE;
export const DEFAULT_MAX_HEADER_LIST_SIZE = 64 * 1024;
/** Connection-level receive window we grant right after the preface. */
export const DEFAULT_CONNECTION_WINDOW = 16 * 1024 * 1024;

export const DEFAULT_SETTINGS: Readonly<Settings> = {
  headerTableSize: DEFAULT_HEADER_TABLE_SIZE,
  enablePush: false,
  maxConcurrentStreams: DEFAULT_MAX_CONCURRENT_STREAMS,
  initialWindowSize: DEFAULT_STREAM_WINDOW,
  maxFrameSize: DEFAULT_MAX_FRAME_SIZE,
  maxHeaderListSize: DEFAULT_MAX_HEADER_LIST_SIZE,
};

/** What the peer is assumed to have said until its SETTINGS arrive (RFC 9113 §6.5.2 initial values). */
export const PROTOCOL_INITIAL_SETTINGS: Readonly<Settings> = {
  headerTableSize: DEFAULT_HEADER_TABLE_SIZE,
  enablePush: true,
  maxConcurrentStreams: UNLIMITED,
  initialWindowSize: DEFAULT_INITIAL_WINDOW_SIZE,
  maxFrameSize: MIN_MAX_FRAME_SIZE,
  maxHeaderListSize: UNLIMITED,
};

/** Defaults merged with `given`; a bad value throws a RangeError naming the property. */
export function parseSettings(given: Partial<Settings> = {}, path = 'settings'): Settings {
  const s: Settings = { ...DEFAULT_SETTINGS, ...given };
  uint(s.headerTableSize, `${path}.headerTableSize`, UNLIMITED);
  if (s.enablePush !== false) throw new RangeError(`${path}.enablePush: server push is not supported; leave it false`);
  uint(s.maxConcurrentStreams, `${path}.maxConcurrentStreams`, UNLIMITED);
  uint(s.initialWindowSize, `${path}.initialWindowSize`, MAX_INT31);
  uint(s.maxFrameSize, `${path}.maxFrameSize`, MAX_MAX_FRAME_SIZE);
  if (s.maxFrameSize < MIN_MAX_FRAME_SIZE) {
    throw new RangeError(`${path}.maxFrameSize: must be at least ${MIN_MAX_FRAME_SIZE} (RFC 9113 §6.5.2), got ${s.maxFrameSize}`);
  }
  uint(s.maxHeaderListSize, `${path}.maxHeaderListSize`, UNLIMITED);
  return s;
}

export function uint(value: number, name: string, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new RangeError(`${name}: must be an integer from 0 to ${max}, got ${value}`);
  }
}

/** The SETTINGS frame entries that announce `s`. */
export function settingsEntries(s: Settings): SettingsEntries {
  return [
    [SettingId.HEADER_TABLE_SIZE, s.headerTableSize],
    [SettingId.ENABLE_PUSH, 0],
    [SettingId.MAX_CONCURRENT_STREAMS, s.maxConcurrentStreams],
    [SettingId.INITIAL_WINDOW_SIZE, s.initialWindowSize],
    [SettingId.MAX_FRAME_SIZE, s.maxFrameSize],
    [SettingId.MAX_HEADER_LIST_SIZE, s.maxHeaderListSize],
  ];
}
