// The HTTP/2 endpoint engine (RFC 9113) the relay sits on: its public surface.

export { H2Connection } from './connection.js';
export { type H2ConnectionOptions, type H2Handler } from './connection-options.js';
export { H2Error } from './h2-error.js';
export {
  CLIENT_PREFACE,
  DEFAULT_HEADER_TABLE_SIZE,
  DEFAULT_INITIAL_WINDOW_SIZE,
  ErrorCode,
  FRAME_HEADER_LENGTH,
  Flag,
  FrameType,
  MAX_INT31,
  MAX_MAX_FRAME_SIZE,
  MIN_MAX_FRAME_SIZE,
  SettingId,
  UNLIMITED,
  errorCodeName,
} from './constants.js';
export {
  DEFAULT_CONNECTION_WINDOW,
  DEFAULT_MAX_CONCURRENT_STREAMS,
  DEFAULT_MAX_FRAME_SIZE,
  DEFAULT_MAX_HEADER_LIST_SIZE,
  DEFAULT_SETTINGS,
  DEFAULT_STREAM_WINDOW,
  type Settings,
} from './settings.js';
export {
  DEFAULT_CONTROL_FRAMES_PER_SECOND,
  DEFAULT_CONTROL_FRAME_BURST,
  DEFAULT_DRAIN_TIMEOUT_MS,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_LIMITS,
  DEFAULT_LINGER_MS,
  DEFAULT_MAX_BUFFERED_WRITE_BYTES,
  DEFAULT_MAX_CONTINUATION_FRAMES,
  DEFAULT_MAX_HEADER_BLOCK_BYTES,
  DEFAULT_MAX_PENDING_CONTROL_RESPONSES,
  DEFAULT_RESETS_PER_SECOND,
  DEFAULT_RESET_BURST,
  DEFAULT_SETTINGS_ACK_TIMEOUT_MS,
  type Limits,
} from './limits.js';
export { FrameReader } from './frame-reader.js';
export { FrameWriter, type WriteSink } from './frame-writer.js';
export { type HeaderKind, validateHeaders } from './header-validation.js';
export { type HeaderList, HeaderListTooLargeError, HpackError } from './hpack/index.js';
