// The request headers an attempt sends upstream: as received, with the deadline and trace context renewed.
import type { HeaderList } from '../h2/index.js';
import { formatGrpcTimeout } from './grpc-wire.js';

/**
 * Copies `headers`, setting grpc-timeout to the time left until `deadline` (the time spent in
 * the proxy and in earlier attempts is not given twice) and traceparent to this hop's span.
 */
export function forwardHeaders(headers: HeaderList, deadline: number | undefined, now: number, traceparent: string | undefined): HeaderList {
  const out: HeaderList = [];
  for (let i = 0; i < headers.length; i++) {
    const h = headers[i]!;
    const name = h[0];
    if (name === 'grpc-timeout' || (name === 'traceparent' && traceparent !== undefined)) continue;
    out.push(h);
  }
  if (deadline !== undefined) out.push(['grpc-timeout', formatGrpcTimeout(deadline - now)]);
  if (traceparent !== undefined) out.push(['traceparent', traceparent]);
  return out;
}
