// HPACK (RFC 7541) for mesh-proxy's HTTP/2 framing: the public surface of this folder.

export { HpackDecoder, type HpackDecoderOptions } from './decoder.js';
export { HpackEncoder, type HpackEncoderOptions } from './encoder.js';
export { HeaderListTooLargeError, HpackError } from './errors.js';
export type { HeaderList } from './header-list.js';
export { DEFAULT_MAX_HEADER_LIST_SIZE, DEFAULT_MAX_TABLE_SIZE } from './options.js';
