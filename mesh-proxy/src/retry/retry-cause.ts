// Why an attempt failed, as the router reports it, and whether a policy retries that.

import type { RetryPolicy } from './retry-policy.js';

/** HTTP/2 error code REFUSED_STREAM (RFC 9113 §7): the stream was not processed. */
const H2_REFUSED_STREAM = 0x7;

/**
 * The router reports a cause only while nothing of the response has been forwarded downstream: `reset`
 * means RST_STREAM before response headers, `status` a trailers-only response. Once headers went
 * downstream, the attempt is the answer and nothing is retried.
 */
export type RetryCause =
  | { kind: 'connect_failure' }
  | { kind: 'refused_stream' }
  | { kind: 'reset'; code: number }
  | { kind: 'status'; grpcStatus: number };

export function isRetriableCause(policy: RetryPolicy, cause: RetryCause): boolean {
  switch (cause.kind) {
    case 'connect_failure':
      return policy.retryOnConnectFailure;
    case 'refused_stream':
      return policy.retryOnRefusedStream;
    case 'reset':
      // A reset carrying REFUSED_STREAM is a refused stream, whoever classified it.
      return cause.code === H2_REFUSED_STREAM ? policy.retryOnRefusedStream : policy.retryOnReset;
    case 'status':
      return policy.retryOn.has(cause.grpcStatus);
    default: {
      const unknown: never = cause;
      throw new TypeError(`unknown retry cause: ${JSON.stringify(unknown)}`);
    }
  }
}
