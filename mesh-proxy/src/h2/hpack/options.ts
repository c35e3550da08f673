// Defaults and validation for the codec's options, failing with the property's name.

/** SETTINGS_HEADER_TABLE_SIZE's initial value (RFC 9113 §6.5.2): what both ends assume until told otherwise. */
export const DEFAULT_MAX_TABLE_SIZE = 4096;
/** Our SETTINGS_MAX_HEADER_LIST_SIZE: 64 KiB, as grpc-go and Envoy cap it by default. */
export const DEFAULT_MAX_HEADER_LIST_SIZE = 65536;

/** The largest integer this codec reads or writes (RFC 7541 §5.1 leaves the limit to us; ours is 2^31 - 1). */
export const MAX_HPACK_INTEGER = 0x7fffffff;

/** A size option: a whole number of octets no larger than a SETTINGS value can be (2^32 - 1). */
export function sizeOption(property: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new RangeError(`${property} must be a whole number of octets from 0 to 2^32-1, got ${String(value)}`);
  }
  return value;
}
