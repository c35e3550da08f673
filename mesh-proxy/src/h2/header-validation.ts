// Checks a received header list is well-formed HTTP/2 (RFC 9113 §8.2, §8.3) before the relay forwards it.
import { ErrorCode } from './constants.js';
import { H2Error } from './h2-error.js';
import type { HeaderList } from './hpack/index.js';

export type HeaderKind = 'request' | 'response' | 'trailers';

/** What validation learnt on the way, in an object the connection reuses. */
export interface HeaderFacts {
  /** :status of a response, 0 otherwise. */
  status: number;
  /** content-length, or -1 when absent. */
  contentLength: number;
}

/** RFC 9113 §8.2.1: names hold no octet in 0x00-0x20, 0x41-0x5a (upper case), 0x7f-0xff. */
const BAD_NAME = /[\x00-\x20A-Z\x7f-\uffff]/;
/** RFC 9113 §8.2.1: values hold no NUL, CR or LF... */
const BAD_VALUE = /[\0\r\n]/;
/** ...and neither start nor end with whitespace. */
const isBlank = (c: number) => c === 0x20 || c === 0x09;
const DIGITS = /^[0-9]+$/;

/**
 * Throws H2Error(PROTOCOL_ERROR) when `headers` is malformed for `kind`: a stream error, the
 * caller resets the stream. On success, fills `facts`.
 */
export function validateHeaders(kind: HeaderKind, headers: HeaderList, facts: HeaderFacts): void {
  facts.status = 0;
  facts.contentLength = -1;
  let regular = false;
  let method: string | undefined;
  let scheme: string | undefined;
  let path: string | undefined;
  let authority: string | undefined;
  let status: string | undefined;
  for (let i = 0; i < headers.length; i++) {
    const field = headers[i]!;
    const name = field[0];
    const value = field[1];
    if (value.length > 0 && (BAD_VALUE.test(value) || isBlank(value.charCodeAt(0)) || isBlank(value.charCodeAt(value.length - 1)))) {
      throw malformed(`the value of "${printable(name)}" holds a forbidden character or surrounding whitespace`);
    }
    if (name.charCodeAt(0) === 0x3a /* : */) {
      // Pseudo-header fields come first, each at most once, and only those defined for the message (§8.3).
      if (regular) throw malformed(`pseudo-header ${printable(name)} after a regular field`);
      if (kind === 'trailers') throw malformed(`pseudo-header ${printable(name)} in trailers`);
      if (kind === 'response') {
        if (name !== ':status') throw malformed(`pseudo-header ${printable(name)} in a response`);
        if (status !== undefined) throw malformed('duplicate :status');
        status = value;
        continue;
      }
      switch (name) {
        case ':method':
          if (method !== undefined) throw malformed('duplicate :method');
          method = value;
          break;
        case ':scheme':
          if (scheme !== undefined) throw malformed('duplicate :scheme');
          scheme = value;
          break;
        case ':path':
          if (path !== undefined) throw malformed('duplicate :path');
          path = value;
          break;
        case ':authority':
          if (authority !== undefined) throw malformed('duplicate :authority');
          authority = value;
          break;
        default:
          throw malformed(`pseudo-header ${printable(name)} in a request`);
      }
      continue;
    }
    regular = true;
    if (name.length === 0 || BAD_NAME.test(name)) throw malformed(`field name "${printable(name)}" is empty, upper case or holds a forbidden character`);
    switch (name) {
      // Connection-specific fields do not exist in HTTP/2 (§8.2.2); a proxy must never forward them.
      case 'connection':
      case 'keep-alive':
      case 'proxy-connection':
      case 'transfer-encoding':
      case 'upgrade':
        throw malformed(`connection-specific field "${name}"`);
      case 'te':
        if (value !== 'trailers') throw malformed('te other than "trailers"');
        break;
      case 'content-length': {
        if (!DIGITS.test(value)) throw malformed('content-length is not a number');
        const n = Number(value);
        if (facts.contentLength !== -1 && facts.contentLength !== n) throw malformed('content-length given twice with different values');
        facts.contentLength = n;
        break;
      }
    }
  }
  if (kind === 'request') {
    if (method === undefined) throw malformed('no :method');
    if (method === 'CONNECT') {
      // §8.5: CONNECT names only the authority.
      if (authority === undefined || scheme !== undefined || path !== undefined) throw malformed('CONNECT needs :authority and no :scheme or :path');
    } else {
      if (scheme === undefined) throw malformed('no :scheme');
      if (path === undefined || path.length === 0) throw malformed('no :path');
    }
  } else if (kind === 'response') {
    if (status === undefined) throw malformed('no :status');
    if (status.length !== 3 || !DIGITS.test(status)) throw malformed(`:status "${printable(status)}" is not three digits`);
    facts.status = Number(status);
  }
}

function malformed(reason: string): H2Error {
  return new H2Error(ErrorCode.PROTOCOL_ERROR, `malformed header list: ${reason}`);
}

/** For messages: a bounded, control-free rendering of a name (or :status); other values never reach a message. */
function printable(s: string): string {
  return JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s).slice(1, -1);
}
