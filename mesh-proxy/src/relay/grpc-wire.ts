// The few gRPC-over-HTTP/2 wire rules the proxy applies (PROTOCOL-HTTP2.md): timeouts, status, synthesized errors.
import type { HeaderList } from '../h2/index.js';

/** gRPC status codes the proxy itself answers with. */
export const GrpcStatus = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  DEADLINE_EXCEEDED: 4,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  INTERNAL: 13,
  UNAVAILABLE: 14,
} as const;

const UNIT_MS: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 0.001, n: 0.000001 };
/** "TimeoutValue → {positive integer as ASCII string of at most 8 digits}" + unit. */
const TIMEOUT = /^(\d{1,8})([HMSmun])$/;

/** grpc-timeout in milliseconds, or undefined when absent or malformed (a malformed one is ignored, as grpc-go does). */
export function parseGrpcTimeout(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const m = TIMEOUT.exec(value);
  if (m === null) return undefined;
  return Number(m[1]) * UNIT_MS[m[2]!]!;
}

/** `ms` as a grpc-timeout within the 8-digit limit, rounded up to its unit (under 1 ms below ~27 hours). */
export function formatGrpcTimeout(ms: number): string {
  const n = Math.max(0, ms);
  if (n < 100) return `${Math.ceil(n * 1000)}u`;
  if (n < 1e8) return `${Math.ceil(n)}m`;
  if (n / 1000 < 1e8) return `${Math.ceil(n / 1000)}S`;
  return `${Math.min(99_999_999, Math.ceil(n / 60_000))}M`;
}

/** Value of a header (first occurrence), by lower-case name. */
export function headerValue(headers: HeaderList, name: string): string | undefined {
  for (let i = 0; i < headers.length; i++) {
    const h = headers[i]!;
    if (h[0] === name) return h[1];
  }
  return undefined;
}

/** grpc-status of a HEADERS block (trailers, or trailers-only response), undefined when absent. */
export function grpcStatusOf(headers: HeaderList): number | undefined {
  const v = headerValue(headers, 'grpc-status');
  if (v === undefined) return undefined;
  const n = Number(v);
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}

/**
 * Percent-encodes a grpc-message: bytes outside 0x20-0x7E and '%' become %XX of their UTF-8
 * encoding (the spec's rule), so non-ASCII text reaches the client intact.
 */
export function encodeGrpcMessage(message: string): string {
  let out = '';
  for (const byte of Buffer.from(message, 'utf8')) {
    out += byte >= 0x20 && byte <= 0x7e && byte !== 0x25 ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** A trailers-only response: the whole answer in one HEADERS frame with END_STREAM. */
export function trailersOnly(status: number, message: string): HeaderList {
  return [
    [':status', '200'],
    ['content-type', 'application/grpc'],
    ['grpc-status', String(status)],
    ['grpc-message', encodeGrpcMessage(message)],
  ];
}

/** Trailers carrying a status after a response has begun. */
export function statusTrailers(status: number, message: string): HeaderList {
  return [
    ['grpc-status', String(status)],
    ['grpc-message', encodeGrpcMessage(message)],
  ];
}
