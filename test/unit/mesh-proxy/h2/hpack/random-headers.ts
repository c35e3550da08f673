// Seeded random header lists for the HPACK tests: repeats (to exercise dynamic tables), odd octets, sensitive fields.

import type { HeaderList } from '../../../../../mesh-proxy/src/h2/hpack/index.js';
import { STATIC_TABLE } from '../../../../../mesh-proxy/src/h2/hpack/static-table.js';

/** mulberry32: a small seeded generator, so a failing run can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let r = Math.imul(a ^ (a >>> 15), 1 | a);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

let defaultRandom = seededRandom(7541);

/** Which octets a random string may hold. */
export type Octets =
  | 'any' // 0-255
  | 'printable' // 0x20-0x7e
  | 'field-value' // what Node's http2 sends and nghttp2 accepts in a value: HTAB, 0x20-0x7e, 0x80-0xff
  | 'token'; // lower-case tchar (RFC 9110 §5.6.2), what a header name may be in HTTP/2

const TOKEN = "abcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+-.^_`|~";

function octet(kind: Octets, random: () => number): number {
  switch (kind) {
    case 'any':
      return Math.floor(random() * 256);
    case 'printable':
      return 0x20 + Math.floor(random() * 95);
    case 'field-value': {
      const r = Math.floor(random() * (1 + 95 + 128));
      return r === 0 ? 0x09 : r <= 95 ? 0x1f + r : 0x80 + (r - 96);
    }
    case 'token':
      return TOKEN.charCodeAt(Math.floor(random() * TOKEN.length));
  }
}

/** A random string of `length` octets (one char each). Field values never start or end with whitespace. */
export function randomLatin1(length: number, kind: Octets = 'any', random = defaultRandom): string {
  let s = '';
  for (let i = 0; i < length; i++) {
    let c = octet(kind, random);
    if (kind === 'field-value' && (i === 0 || i === length - 1)) while (c === 0x20 || c === 0x09) c = octet(kind, random);
    s += String.fromCharCode(c);
  }
  return s;
}

export function resetDefaultRandom(seed: number): void {
  defaultRandom = seededRandom(seed);
}

const pick = <T>(items: readonly T[], random: () => number): T => items[Math.floor(random() * items.length)]!;
const int = (min: number, max: number, random: () => number): number => min + Math.floor(random() * (max - min + 1));

/**
 * Builds random request header lists valid for HTTP/2 (RFC 9113 §8.2-8.3: lower-case token names,
 * no connection-specific fields, `te` only "trailers", pseudo-fields first) that repeat often
 * enough for HPACK's dynamic table and Huffman coding to matter.
 */
export class RandomRequests {
  private readonly random: () => number;
  private readonly names: string[];
  private readonly values: string[];
  /** Fields that recur whole, as most metadata does. */
  private readonly fields: Array<[string, string]>;

  constructor(
    seed: number,
    private readonly authority: string,
    /** Octets a value may hold ('field-value' for Node's http2, 'any' minus CR/LF/NUL for raw sends). */
    private readonly valueOctets: Octets = 'field-value',
  ) {
    this.random = seededRandom(seed);
    this.names = Array.from({ length: 40 }, () => `x-${randomLatin1(int(1, 20, this.random), 'token', this.random)}`);
    this.values = Array.from({ length: 60 }, () => this.value(int(0, 40, this.random)));
    this.fields = Array.from({ length: 15 }, (_, i) => [this.names[i]!, this.values[i]!]);
  }

  /** A value with no CR, LF or NUL and no whitespace at either end. */
  value(length: number): string {
    let v = randomLatin1(length, this.valueOctets, this.random);
    if (this.valueOctets !== 'field-value') v = v.replace(/[\0\r\n]/g, 'z').replace(/^[ \t]+|[ \t]+$/g, '');
    return v;
  }

  /**
   * A request naming every regular field of the static table (RFC 7541 Appendix A, 15-61), with
   * its listed value or another, so a peer's encoding and ours must agree on every index.
   * transfer-encoding is left out: HTTP/2 forbids it (RFC 9113 §8.2.2).
   */
  staticProbe(): HeaderList {
    const r = this.random;
    const list: HeaderList = [
      [':method', pick(['GET', 'POST'], r)],
      [':scheme', pick(['http', 'https'], r)],
      [':path', pick(['/', '/index.html'], r)],
      [':authority', this.authority],
    ];
    for (const [name, value] of STATIC_TABLE.slice(14)) {
      if (name === 'transfer-encoding') continue;
      if (name === 'content-length') list.push([name, '0']);
      else if (name === 'host') list.push([name, this.authority]); // RFC 9113 §8.3.1: must match :authority
      else list.push([name, value !== '' || r() < 0.5 ? value : this.value(int(1, 12, r))]);
    }
    return list;
  }

  next(): HeaderList {
    const r = this.random;
    const list: HeaderList = [
      [':method', pick(['GET', 'POST', 'POST', 'PUT', 'DELETE'], r)],
      [':scheme', 'http'],
      [':path', r() < 0.7 ? pick(['/shop.order.v1.OrderService/Get', '/shop.catalog.v1.CatalogService/List', '/'], r) : `/${randomLatin1(int(0, 30, r), 'token', r)}`],
      [':authority', r() < 0.9 ? this.authority : `${randomLatin1(int(1, 20, r), 'token', r).replace(/[^a-z0-9.-]/g, 'h')}:${int(1, 65535, r)}`],
    ];
    if (r() < 0.6) list.push(['content-type', 'application/grpc'], ['te', 'trailers']);
    if (r() < 0.5) list.push(['grpc-timeout', `${int(1, 99999999, r)}${pick(['H', 'M', 'S', 'm', 'u', 'n'], r)}`]);
    if (r() < 0.5) list.push(['user-agent', pick(['grpc-node-js/1.14.7', 'grpc-go/1.70.0', 'curl/8.5.0'], r)]);
    if (r() < 0.3) list.push(['traceparent', `00-${randomHex(32, r)}-${randomHex(16, r)}-01`]);
    if (r() < 0.1) list.push(['authorization', `Bearer ${randomLatin1(int(5, 80, r), 'printable', r).trim() || 'x'}`]);
    if (r() < 0.1) list.push(['cookie', `session=${randomHex(int(2, 40, r), r)}`]);
    const extra = int(0, 12, r);
    for (let i = 0; i < extra; i++) {
      if (r() < 0.5) {
        const [name, value] = pick(this.fields, r);
        list.push([name, value]);
        continue;
      }
      const name = r() < 0.8 ? pick(this.names, r) : `x-${randomLatin1(int(1, 30, r), 'token', r)}`;
      const roll = r();
      const value = roll < 0.6 ? pick(this.values, r) : roll < 0.97 ? this.value(int(0, 100, r)) : this.value(int(1000, 5000, r));
      list.push([name, value]);
      if (r() < 0.1) list.push([name, pick(this.values, r)]); // the same name twice
    }
    // Now and then a block too big for one 16 KiB frame: HEADERS + CONTINUATION.
    if (r() < 0.01) list.push(['x-huge', this.value(int(17000, 30000, r))]);
    return list;
  }
}

function randomHex(length: number, random: () => number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += '0123456789abcdef'[Math.floor(random() * 16)];
  return s;
}
