// Assertion helpers for gRPC errors: the rejection of a call, and the fields its details name.
import type { ServiceError as GrpcError } from '@grpc/grpc-js';
import { createRegistry, fromBinary } from '@bufbuild/protobuf';
import { anyUnpack } from '@bufbuild/protobuf/wkt';
import { StatusSchema } from '../../services/gen/google/rpc/status_pb.js';
import { BadRequestSchema, type BadRequest } from '../../services/gen/google/rpc/error_details_pb.js';
import { isGrpcError } from '../../services/runtime/client/index.js';

/** The gRPC error a call rejected with; throws if it resolved or failed otherwise. */
export async function grpcError(call: Promise<unknown>): Promise<GrpcError> {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isGrpcError(err)) throw new Error(`expected a gRPC error, got ${String(err)}`);
  return err;
}

/** The fields named by the google.rpc.BadRequest in grpc-status-details-bin. */
export function violatedFields(err: GrpcError): string[] {
  const bin = err.metadata.get('grpc-status-details-bin')[0];
  if (!Buffer.isBuffer(bin)) throw new Error('no grpc-status-details-bin');
  const status = fromBinary(StatusSchema, bin);
  const registry = createRegistry(BadRequestSchema);
  return status.details.flatMap((any) => {
    const unpacked = anyUnpack(any, registry) as BadRequest | undefined;
    return unpacked?.fieldViolations.map((v) => v.field) ?? [];
  });
}
