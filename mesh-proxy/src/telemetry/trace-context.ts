// W3C Trace Context `traceparent`: parsing with the spec's validation rules, and the value a proxied call sends on.
// https://www.w3.org/TR/trace-context/#traceparent-header
import { newSpanId, newTraceId } from './trace-ids.js';

export interface TraceParent {
  /** 32 lowercase hex digits, not all zero. */
  readonly traceId: string;
  /** The caller's span: 16 lowercase hex digits, not all zero. */
  readonly parentId: string;
  /** trace-flags as a number (bit 0: sampled). */
  readonly flags: number;
}

/** trace-flags bit 0: the caller may have recorded its span. */
export const FLAG_SAMPLED = 0x01;
/** trace-flags bit 1 (Trace Context Level 2): the trace id's right 7 bytes are random. */
export const FLAG_RANDOM = 0x02;
/** Flags this proxy understands and passes on; others are reserved and "MUST be set to zero" when sent. */
const KNOWN_FLAGS = FLAG_SAMPLED | FLAG_RANDOM;

const ZERO_TRACE_ID = '0'.repeat(32);
const ZERO_SPAN_ID = '0'.repeat(16);
/** "vv-" + 32 + "-" + 16 + "-" + 2 */
const LENGTH_00 = 55;

/**
 * The parsed header, or undefined when it must be ignored (a new trace is then started):
 * - version 00: exactly 55 characters, lowercase hex only (uppercase is not HEXDIGLC);
 * - version ff is invalid; a later version is read by its first four fields ("-" or the end after them);
 * - trace-id and parent-id must not be all zeros.
 * Optional whitespace around the value (RFC 9110 OWS) is not part of it.
 * Hand-written rather than a regular expression: it runs on every proxied call.
 */
export function parseTraceparent(value: string | undefined): TraceParent | undefined {
  if (value === undefined) return undefined;
  const v = value.length === LENGTH_00 ? value : value.trim();
  if (v.length < LENGTH_00) return undefined;
  if (v.charCodeAt(2) !== DASH || v.charCodeAt(35) !== DASH || v.charCodeAt(52) !== DASH) return undefined;
  if (!lowerHex(v, 0, 2) || !lowerHex(v, 3, 35) || !lowerHex(v, 36, 52) || !lowerHex(v, 53, 55)) return undefined;
  const version = v.slice(0, 2);
  if (version === 'ff') return undefined;
  if (version === '00' ? v.length !== LENGTH_00 : v.length > LENGTH_00 && v.charCodeAt(LENGTH_00) !== DASH) return undefined;
  const traceId = v.slice(3, 35);
  const parentId = v.slice(36, 52);
  if (traceId === ZERO_TRACE_ID || parentId === ZERO_SPAN_ID) return undefined;
  return { traceId, parentId, flags: parseInt(v.slice(53, 55), 16) };
}

const DASH = 0x2d;

/** Every character in [from, to) is 0-9 or a-f. */
function lowerHex(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) return false;
  }
  return true;
}

const HEX_BYTE: readonly string[] = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

export function formatTraceparent(traceId: string, spanId: string, flags: number): string {
  return '00-' + traceId + '-' + spanId + '-' + HEX_BYTE[flags & 0xff]!;
}

/**
 * The traceparent for the next hop when no OpenTelemetry SDK makes the span: the same trace with a new span id
 * (the proxy's hop), or a new trace when the incoming value is absent or invalid. A new trace is marked
 * sampled: the proxy makes no sampling decision of its own, and an unsampled parent would stop apps that use
 * parent-based sampling from recording traces they would have recorded as roots.
 */
export function childTraceparent(incoming: string | undefined): string {
  const parent = parseTraceparent(incoming);
  if (!parent) return formatTraceparent(newTraceId(), newSpanId(), FLAG_SAMPLED);
  return formatTraceparent(parent.traceId, newSpanId(), parent.flags & KNOWN_FLAGS);
}

/** Flags as sent on: known bits kept, reserved bits zeroed (version 00 rules). */
export function outgoingFlags(flags: number): number {
  return flags & KNOWN_FLAGS;
}
