// The one error type a handler throws to give the caller a specific gRPC status.
import { status as Code } from '@grpc/grpc-js';

export { Code };

/** One bad field of a request, as in google.rpc.BadRequest.FieldViolation. */
export interface FieldViolation {
  /** Dotted path of the field in the request, e.g. "product.price.currency_code". */
  field: string;
  /** What is wrong with it, for a human. */
  description: string;
}

export interface ServiceErrorOptions {
  cause?: unknown;
  /** Bad fields, sent as google.rpc.BadRequest in grpc-status-details-bin. */
  violations?: FieldViolation[];
  /** A machine-readable reason (google.rpc.ErrorInfo.reason), e.g. "SKU_TAKEN". */
  reason?: string;
}

export class ServiceError extends Error {
  override readonly name = 'ServiceError';
  readonly code: Code;
  readonly violations: readonly FieldViolation[];
  readonly reason: string | undefined;

  constructor(code: Code, message: string, options: ServiceErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.violations = options.violations ?? [];
    this.reason = options.reason;
  }
}

/** INVALID_ARGUMENT naming every bad field; the message names them too. */
export function invalidArgument(violations: FieldViolation[]): ServiceError {
  const message = violations.map((v) => `${v.field}: ${v.description}`).join('; ');
  return new ServiceError(Code.INVALID_ARGUMENT, message, { violations });
}

export function notFound(message: string): ServiceError {
  return new ServiceError(Code.NOT_FOUND, message);
}

export function alreadyExists(message: string, reason?: string): ServiceError {
  return new ServiceError(Code.ALREADY_EXISTS, message, reason === undefined ? {} : { reason });
}

export function failedPrecondition(message: string, reason?: string): ServiceError {
  return new ServiceError(Code.FAILED_PRECONDITION, message, reason === undefined ? {} : { reason });
}

/** ABORTED: a concurrency conflict the client may retry at a higher level (AIP-154 etag mismatch). */
export function aborted(message: string, reason?: string): ServiceError {
  return new ServiceError(Code.ABORTED, message, reason === undefined ? {} : { reason });
}

export function isServiceError(err: unknown): err is ServiceError {
  return err instanceof ServiceError;
}
