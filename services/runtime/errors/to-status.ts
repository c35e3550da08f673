// The one place that turns any error a handler raised into the status a caller sees.
import { Metadata } from '@grpc/grpc-js';
import { create, toBinary } from '@bufbuild/protobuf';
import { anyPack } from '@bufbuild/protobuf/wkt';
import { StatusSchema } from '../../gen/google/rpc/status_pb.js';
import { BadRequestSchema, ErrorInfoSchema } from '../../gen/google/rpc/error_details_pb.js';
import { TransactionRetryError, sqlState } from '../sql/index.js';
import { Code, ServiceError } from './service-error.js';

/** The shape of a status before it is sent: what the caller will see. */
export interface CallerStatus {
  code: Code;
  message: string;
  /** google.rpc.Status details, when there are any. */
  metadata: Metadata;
  /** True when the error is ours (a bug or an unexpected failure) and must be logged with its stack. */
  unexpected: boolean;
}

/** Node and pg connection errors that mean "the dependency is not there right now". */
const UNAVAILABLE_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND']);

/**
 * Maps an error to the most truthful gRPC status (STYLE.md §5). Unknown errors become
 * INTERNAL with a generic message: their text may hold SQL or personal data, so it is
 * logged, never sent.
 */
export function toCallerStatus(err: unknown, domain: string): CallerStatus {
  const e = classify(err);
  const metadata = new Metadata();
  if (e instanceof ServiceError && (e.violations.length > 0 || e.reason !== undefined)) {
    metadata.set('grpc-status-details-bin', Buffer.from(statusDetails(e, domain)));
  }
  return {
    code: e.code,
    // grpc-js percent-encodes the message with encodeURI, which throws on a lone surrogate.
    message: e.message.replace(/\p{Cs}/gu, '\uFFFD'),
    metadata,
    unexpected: e.code === Code.INTERNAL || e.code === Code.UNKNOWN,
  };
}

function classify(err: unknown): ServiceError {
  if (err instanceof ServiceError) return err;
  if (err instanceof TransactionRetryError) {
    // CockroachDB's guidance: a transaction that keeps losing conflicts is surfaced to the
    // client as retryable contention, which is ABORTED in gRPC terms.
    return new ServiceError(Code.ABORTED, 'too much contention on the data, try again', { cause: err });
  }
  const state = sqlState(err);
  if (state !== undefined) {
    // A serialization failure or deadlock that escaped withTransaction is still a transaction abort.
    if (state === '40001' || state === '40P01') {
      return new ServiceError(Code.ABORTED, 'too much contention on the data, try again', { cause: err });
    }
    // 08xxx connection exceptions, 57P01-03 shutdown/cannot-connect: the database is away.
    if (state.startsWith('08') || state === '57P01' || state === '57P02' || state === '57P03') {
      return new ServiceError(Code.UNAVAILABLE, 'database unavailable', { cause: err });
    }
    // 57014 query_canceled: statement_timeout or a cancelled call.
    if (state === '57014') return new ServiceError(Code.DEADLINE_EXCEEDED, 'database query timed out', { cause: err });
    if (state === '53300') return new ServiceError(Code.UNAVAILABLE, 'database has too many connections', { cause: err });
  }
  const errno = (err as { code?: unknown } | null)?.code;
  if (typeof errno === 'string' && UNAVAILABLE_ERRNOS.has(errno)) {
    return new ServiceError(Code.UNAVAILABLE, 'a dependency is unavailable', { cause: err });
  }
  if (err instanceof Error && /timeout exceeded when trying to connect|Connection terminated/i.test(err.message)) {
    return new ServiceError(Code.UNAVAILABLE, 'database unavailable', { cause: err });
  }
  return new ServiceError(Code.INTERNAL, 'internal error', { cause: err });
}

function statusDetails(e: ServiceError, domain: string): Uint8Array {
  const details = [];
  if (e.violations.length > 0) {
    details.push(
      anyPack(
        BadRequestSchema,
        create(BadRequestSchema, {
          fieldViolations: e.violations.map((v) => ({ field: v.field, description: v.description })),
        }),
      ),
    );
  }
  if (e.reason !== undefined) {
    details.push(anyPack(ErrorInfoSchema, create(ErrorInfoSchema, { reason: e.reason, domain })));
  }
  return toBinary(StatusSchema, create(StatusSchema, { code: e.code, message: e.message, details }));
}

