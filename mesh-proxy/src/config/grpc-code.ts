// gRPC status codes by number and canonical name (grpc/doc/statuscodes.md), for settings that name codes.
import { ConfigError, show } from './config-error.js';

/** Index = code. */
export const GRPC_CODE_NAMES = [
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
] as const;

export type GrpcCodeName = (typeof GRPC_CODE_NAMES)[number];

/** The canonical name of a code; codes outside 0..16 are reported as UNKNOWN, as gRPC libraries treat them. */
export function grpcCodeName(code: number): GrpcCodeName {
  return GRPC_CODE_NAMES[code] ?? 'UNKNOWN';
}

/** A code given as a number (14) or a canonical name ("UNAVAILABLE"). */
export function parseGrpcCode(value: unknown, path: string): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < GRPC_CODE_NAMES.length) return value;
  if (typeof value === 'string') {
    const code = (GRPC_CODE_NAMES as readonly string[]).indexOf(value);
    if (code >= 0) return code;
  }
  throw new ConfigError(path, `expected a gRPC status code (0-16 or a name like "UNAVAILABLE"), got ${show(value)}`);
}
