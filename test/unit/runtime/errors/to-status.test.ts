import test from 'ava';
import { fromBinary } from '@bufbuild/protobuf';
import { anyIs, anyUnpack } from '@bufbuild/protobuf/wkt';
import { StatusSchema, type Status } from '../../../../services/gen/google/rpc/status_pb.js';
import { BadRequestSchema, ErrorInfoSchema } from '../../../../services/gen/google/rpc/error_details_pb.js';
import {
  Code,
  ServiceError,
  aborted,
  alreadyExists,
  invalidArgument,
  notFound,
  toCallerStatus,
} from '../../../../services/runtime/errors/index.js';
import { TransactionRetryError } from '../../../../services/runtime/sql/index.js';

const DOMAIN = 'catalog.shopmesh';

/** The google.rpc.Status sent in grpc-status-details-bin, or undefined when none was set. */
function details(err: unknown): Status | undefined {
  const values = toCallerStatus(err, DOMAIN).metadata.get('grpc-status-details-bin');
  if (values.length === 0) return undefined;
  return fromBinary(StatusSchema, values[0] as Buffer);
}

function pgLike(code: string, message = `pg error ${code}`): Error & { code: string } {
  return Object.assign(new Error(message), { code });
}

test('toCallerStatus - a ServiceError keeps its code and message, and is expected', (t) => {
  const s = toCallerStatus(notFound('product 42 not found'), DOMAIN);
  t.is(s.code, Code.NOT_FOUND);
  t.is(s.message, 'product 42 not found');
  t.false(s.unexpected);
  // No violations, no reason: no details.
  t.deepEqual(s.metadata.get('grpc-status-details-bin'), []);
});

test('toCallerStatus - a ServiceError with INTERNAL is unexpected', (t) => {
  const s = toCallerStatus(new ServiceError(Code.INTERNAL, 'invariant broken'), DOMAIN);
  t.is(s.code, Code.INTERNAL);
  t.is(s.message, 'invariant broken');
  t.true(s.unexpected);
});

test('toCallerStatus - invalidArgument sends a BadRequest listing every field', (t) => {
  const err = invalidArgument([
    { field: 'product.sku', description: 'is required' },
    { field: 'product.price.currency_code', description: 'must be an ISO 4217 code' },
  ]);
  const s = toCallerStatus(err, DOMAIN);
  t.is(s.code, Code.INVALID_ARGUMENT);
  t.is(s.message, 'product.sku: is required; product.price.currency_code: must be an ISO 4217 code');
  t.false(s.unexpected);

  const status = details(err);
  if (!status) return t.fail('no grpc-status-details-bin');
  t.is(status.code, Code.INVALID_ARGUMENT);
  t.is(status.message, s.message);
  t.is(status.details.length, 1);
  const any = status.details[0]!;
  t.true(anyIs(any, BadRequestSchema));
  const badRequest = anyUnpack(any, BadRequestSchema);
  t.deepEqual(
    badRequest?.fieldViolations.map((v) => [v.field, v.description]),
    [
      ['product.sku', 'is required'],
      ['product.price.currency_code', 'must be an ISO 4217 code'],
    ],
  );
});

test('toCallerStatus - a reason is sent as ErrorInfo with the domain', (t) => {
  const status = details(alreadyExists('a product with sku "A-1" already exists', 'SKU_TAKEN'));
  if (!status) return t.fail('no grpc-status-details-bin');
  t.is(status.code, Code.ALREADY_EXISTS);
  t.is(status.details.length, 1);
  const any = status.details[0]!;
  t.true(anyIs(any, ErrorInfoSchema));
  t.false(anyIs(any, BadRequestSchema));
  const info = anyUnpack(any, ErrorInfoSchema);
  t.is(info?.reason, 'SKU_TAKEN');
  t.is(info?.domain, DOMAIN);
});

test('toCallerStatus - violations and a reason are both sent, BadRequest first', (t) => {
  const err = new ServiceError(Code.INVALID_ARGUMENT, 'bad', { violations: [{ field: 'id', description: 'must be a UUID' }], reason: 'BAD_ID' });
  const status = details(err);
  if (!status) return t.fail('no grpc-status-details-bin');
  t.deepEqual(
    status.details.map((d) => d.typeUrl),
    ['type.googleapis.com/google.rpc.BadRequest', 'type.googleapis.com/google.rpc.ErrorInfo'],
  );
});

test('toCallerStatus - a reason-carrying ABORTED keeps its code', (t) => {
  const s = toCallerStatus(aborted('product is at version 3, not 2', 'VERSION_MISMATCH'), DOMAIN);
  t.is(s.code, Code.ABORTED);
  t.is(anyUnpack(details(aborted('x', 'VERSION_MISMATCH'))!.details[0]!, ErrorInfoSchema)?.reason, 'VERSION_MISMATCH');
});

test('toCallerStatus - TransactionRetryError is ABORTED, a retryable conflict', (t) => {
  const s = toCallerStatus(new TransactionRetryError(10, pgLike('40001', 'restart transaction')), DOMAIN);
  t.is(s.code, Code.ABORTED);
  t.is(s.message, 'too much contention on the data, try again');
  t.false(s.unexpected);
});

// A serialization failure that reaches the edge unwrapped (a statement run outside
// withTransaction) is still a transaction abort: gRPC's ABORTED, not a server fault.
for (const code of ['40001', '40P01']) {
  test(`toCallerStatus - a raw pg ${code} is ABORTED, not INTERNAL`, (t) => {
    const s = toCallerStatus(pgLike(code, 'restart transaction: TransactionRetryWithProtoRefreshError'), DOMAIN);
    t.is(s.code, Code.ABORTED);
    t.false(s.unexpected);
    t.false(s.message.includes('TransactionRetryWithProtoRefreshError'));
  });
}

for (const [code, expected] of [
  ['08006', Code.UNAVAILABLE],
  ['08001', Code.UNAVAILABLE],
  ['57P01', Code.UNAVAILABLE],
  ['57P03', Code.UNAVAILABLE],
  ['53300', Code.UNAVAILABLE],
  ['57014', Code.DEADLINE_EXCEEDED],
] as const) {
  test(`toCallerStatus - pg SQLSTATE ${code} is ${Code[expected]}`, (t) => {
    const s = toCallerStatus(pgLike(code, 'SELECT secret FROM users'), DOMAIN);
    t.is(s.code, expected);
    t.false(s.unexpected);
    t.false(s.message.includes('secret'));
  });
}

test('toCallerStatus - a query timeout says so', (t) => {
  t.is(toCallerStatus(pgLike('57014'), DOMAIN).message, 'database query timed out');
  t.is(toCallerStatus(pgLike('08006'), DOMAIN).message, 'database unavailable');
});

for (const errno of ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND']) {
  test(`toCallerStatus - Node errno ${errno} is UNAVAILABLE`, (t) => {
    const err = Object.assign(new Error(`connect ${errno} 10.0.0.5:5432`), { code: errno, errno: -111, syscall: 'connect' });
    const s = toCallerStatus(err, DOMAIN);
    t.is(s.code, Code.UNAVAILABLE);
    t.is(s.message, 'a dependency is unavailable');
    t.false(s.unexpected);
  });
}

test('toCallerStatus - pg pool connection failures are UNAVAILABLE', (t) => {
  t.is(toCallerStatus(new Error('timeout exceeded when trying to connect'), DOMAIN).code, Code.UNAVAILABLE);
  t.is(toCallerStatus(new Error('Connection terminated unexpectedly'), DOMAIN).code, Code.UNAVAILABLE);
});

test('toCallerStatus - an unknown error is INTERNAL and does not leak its text', (t) => {
  const s = toCallerStatus(new Error('secret SQL text'), DOMAIN);
  t.is(s.code, Code.INTERNAL);
  t.is(s.message, 'internal error');
  t.true(s.unexpected);
  t.deepEqual(s.metadata.get('grpc-status-details-bin'), []);
});

test('toCallerStatus - an unrelated SQLSTATE (unique violation) is INTERNAL, not leaked', (t) => {
  const s = toCallerStatus(pgLike('23505', 'duplicate key value violates unique constraint "users_email_key"'), DOMAIN);
  t.is(s.code, Code.INTERNAL);
  t.is(s.message, 'internal error');
  t.true(s.unexpected);
});

test('toCallerStatus - a thrown non-Error is INTERNAL', (t) => {
  for (const thrown of ['boom', undefined, null, 42, { code: 17 }]) {
    const s = toCallerStatus(thrown, DOMAIN);
    t.is(s.code, Code.INTERNAL, String(thrown));
    t.is(s.message, 'internal error');
  }
});
