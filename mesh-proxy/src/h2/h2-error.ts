// The one error type of the HTTP/2 engine: an RFC 9113 error code and a reason (never a header value or a body).
import { errorCodeName } from './constants.js';

export class H2Error extends Error {
  override readonly name = 'H2Error';

  constructor(
    /** An ErrorCode: what went (or would go) into GOAWAY or RST_STREAM. */
    readonly code: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${errorCodeName(code)}: ${message}`, options);
  }
}
