import test from 'ava';
import { Client, credentials, Metadata } from '@grpc/grpc-js';
import { fromBinary } from '@bufbuild/protobuf';
import { BinaryReader, BinaryWriter } from '@bufbuild/protobuf/wire';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import { pino } from 'pino';
import { CatalogService } from '../../../../services/gen/shop/catalog/v1/catalog_pb.js';
import { GrpcServer, bind } from '../../../../services/runtime/server/index.js';

// grpc.reflection.v1.ServerReflectionRequest/Response, encoded by hand: the test needs two fields.
const LIST_SERVICES = 7;
const FILE_CONTAINING_SYMBOL = 4;

function request(field: number, value: string): Buffer {
  return Buffer.from(new BinaryWriter().tag(field, 2).string(value).finish());
}

/** Reads a ServerReflectionResponse: service names (list_services_response) and file descriptors. */
function response(bytes: Buffer): { services: string[]; files: Uint8Array[] } {
  const services: string[] = [];
  const files: Uint8Array[] = [];
  const r = new BinaryReader(bytes);
  while (r.pos < r.len) {
    const [field, wire] = r.tag();
    if (field === 6 || field === 4) {
      const inner = new BinaryReader(r.bytes());
      while (inner.pos < inner.len) {
        const [f, w] = inner.tag();
        if (field === 6 && f === 1) {
          const svc = new BinaryReader(inner.bytes());
          while (svc.pos < svc.len) {
            const [sf, sw] = svc.tag();
            if (sf === 1) services.push(svc.string());
            else svc.skip(sw);
          }
        } else if (field === 4 && f === 1) files.push(inner.bytes());
        else inner.skip(w);
      }
    } else r.skip(wire);
  }
  return { services, files };
}

async function reflect(address: string, field: number, value: string): Promise<ReturnType<typeof response>> {
  const client = new Client(address, credentials.createInsecure());
  try {
    const call = client.makeBidiStreamRequest<Buffer, Buffer>(
      '/grpc.reflection.v1.ServerReflection/ServerReflectionInfo',
      (b) => b,
      (b) => b,
      new Metadata(),
    );
    call.write(request(field, value));
    call.end();
    for await (const msg of call) return response(msg as Buffer);
    throw new Error('no reflection response');
  } finally {
    client.close();
  }
}

test('reflection - lists the services served and returns their file descriptors', async (t) => {
  const server = new GrpcServer({ log: pino({ level: 'silent' }), errorDomain: 'test' });
  server.add(bind(CatalogService, new Proxy({}, { get: () => async () => ({}) }) as never));
  const port = await server.listen('127.0.0.1', 0);
  t.teardown(() => server.shutdown(500));

  const listed = await reflect(`127.0.0.1:${port}`, LIST_SERVICES, '*');
  t.true(listed.services.includes('shop.catalog.v1.CatalogService'), listed.services.join(','));
  t.true(listed.services.includes('grpc.health.v1.Health'));

  const found = await reflect(`127.0.0.1:${port}`, FILE_CONTAINING_SYMBOL, 'shop.catalog.v1.CatalogService');
  const names = found.files.map((f) => fromBinary(FileDescriptorProtoSchema, f).name);
  t.true(names.includes('shop/catalog/v1/catalog.proto'), names.join(','));
});
