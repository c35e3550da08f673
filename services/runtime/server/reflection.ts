// gRPC server reflection (grpcurl, grpcui, Postman) from the protobuf-es descriptors we serve.
import { ReflectionService } from '@grpc/reflection';
import type { Server } from '@grpc/grpc-js';
import { toBinary, type DescFile, type DescService } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';

/** The file and everything it imports, each once, as serialized FileDescriptorProtos. */
function fileClosure(file: DescFile, seen: Set<string>, out: Buffer[]): void {
  if (seen.has(file.name)) return;
  seen.add(file.name);
  for (const dep of file.dependencies) fileClosure(dep, seen, out);
  out.push(Buffer.from(toBinary(FileDescriptorProtoSchema, file.proto)));
}

/**
 * @grpc/reflection reads a proto-loader package definition; it needs only each entry's
 * serialized file descriptors, which protobuf-es keeps embedded in the generated code.
 */
export function addReflection(server: Pick<Server, 'addService'>, services: readonly DescService[]): void {
  const seen = new Set<string>();
  const files: Buffer[] = [];
  for (const service of services) fileClosure(service.file, seen, files);
  const packageDefinition = Object.fromEntries(services.map((s) => [s.typeName, { fileDescriptorProtos: files }]));
  new ReflectionService(packageDefinition as unknown as ConstructorParameters<typeof ReflectionService>[0], {
    services: services.map((s) => s.typeName),
  }).addToServer(server);
}
