import test from 'ava';
import { Metadata, status } from '@grpc/grpc-js';
import { pino } from 'pino';
import { CatalogService } from '../../../../services/gen/shop/catalog/v1/catalog_pb.js';
import { Health, HealthCheckResponse_ServingStatus as Serving } from '../../../../services/gen/grpc/health/v1/health_pb.js';
import { createClient, isGrpcError } from '../../../../services/runtime/client/index.js';
import { invalidArgument, ServiceError } from '../../../../services/runtime/errors/index.js';
import { GrpcServer, bind, type CallContext, type ServiceImpl } from '../../../../services/runtime/server/index.js';
import { eventually } from '../../../support/eventually.js';
import { grpcError, violatedFields } from '../../../support/grpc.js';

const log = pino({ level: 'silent' });

type CatalogImpl = ServiceImpl<(typeof CatalogService)['method'] extends infer M ? { [K in keyof M]: M[K] } : never>;

/** A catalog whose getProduct is the test's handler; every other method is unimplemented. */
async function serve(getProduct: (id: string, ctx: CallContext) => Promise<{ name: string }>) {
  const server = new GrpcServer({ log, errorDomain: 'test.shopmesh' });
  const unimplemented = async () => {
    throw new ServiceError(status.UNIMPLEMENTED, 'not in this test');
  };
  const impl = new Proxy({} as CatalogImpl, {
    get: (_, name) => (name === 'getProduct' ? async (req: { id: string }, ctx: CallContext) => ({ id: req.id, ...(await getProduct(req.id, ctx)) }) : unimplemented),
  });
  server.add(bind(CatalogService, impl));
  const port = await server.listen('127.0.0.1', 0);
  const catalog = createClient(CatalogService, `127.0.0.1:${port}`);
  const health = createClient(Health, `127.0.0.1:${port}`);
  return {
    server,
    catalog,
    health,
    async close() {
      catalog.close();
      health.close();
      await server.shutdown(1000);
    },
  };
}

test('server - unary call returns the message, echoes x-request-id and sends headers and trailers', async (t) => {
  const s = await serve(async (id, ctx) => {
    ctx.responseHeaders.set('x-consistency-token', 'lsn-1');
    ctx.responseTrailers.set('x-trailer', 'yes');
    return { name: `product ${id}` };
  });
  t.teardown(() => s.close());
  const metadata = new Metadata();
  metadata.set('x-request-id', 'req-123');
  let headers: Metadata | undefined;
  let trailers: Metadata | undefined;
  const product = await s.catalog.getProduct({ id: 'abc' }, { metadata, onHeader: (h) => (headers = h), onTrailer: (m) => (trailers = m) });
  t.is(product.name, 'product abc');
  t.deepEqual(headers?.get('x-request-id'), ['req-123']);
  t.deepEqual(headers?.get('x-consistency-token'), ['lsn-1']);
  t.deepEqual(trailers?.get('x-trailer'), ['yes']);
});

test('server - a ServiceError reaches the caller with its code, message and BadRequest details', async (t) => {
  const s = await serve(async () => {
    throw invalidArgument([{ field: 'id', description: 'must be a UUID' }]);
  });
  t.teardown(() => s.close());
  const err = await grpcError(s.catalog.getProduct({ id: 'x' }));
  t.is(err.code, status.INVALID_ARGUMENT);
  t.is(err.details, 'id: must be a UUID');
  t.deepEqual(violatedFields(err), ['id']);
});

test('server - an unexpected error becomes INTERNAL without leaking its text', async (t) => {
  const s = await serve(async () => {
    throw new Error('password=hunter2 in some SQL');
  });
  t.teardown(() => s.close());
  const err = await grpcError(s.catalog.getProduct({ id: 'x' }));
  t.is(err.code, status.INTERNAL);
  t.is(err.details, 'internal error');
});

test('server - the caller deadline aborts the handler signal with DEADLINE_EXCEEDED', async (t) => {
  let reason: unknown;
  let deadlineSeen: number | undefined;
  const s = await serve(
    (_, ctx) =>
      new Promise((_resolve, reject) => {
        deadlineSeen = ctx.deadline;
        ctx.signal.addEventListener('abort', () => {
          reason = ctx.signal.reason;
          reject(ctx.signal.reason);
        });
      }),
  );
  t.teardown(() => s.close());
  const before = Date.now();
  const err = await grpcError(s.catalog.getProduct({ id: 'x' }, { timeoutMs: 150 }));
  t.is(err.code, status.DEADLINE_EXCEEDED);
  t.true(deadlineSeen !== undefined && deadlineSeen >= before + 100 && deadlineSeen <= before + 1000, `deadline ${deadlineSeen} vs ${before}`);
  await eventually(() => reason, 3000, 'the handler to see the abort');
  t.is((reason as ServiceError).code, status.DEADLINE_EXCEEDED);
});

test('server - a client cancel aborts the handler signal with CANCELLED', async (t) => {
  let reason: unknown;
  let started!: () => void;
  const running = new Promise<void>((r) => (started = r));
  const s = await serve(
    (_, ctx) =>
      new Promise((_resolve, reject) => {
        started();
        ctx.signal.addEventListener('abort', () => {
          reason = ctx.signal.reason;
          reject(ctx.signal.reason);
        });
      }),
  );
  t.teardown(() => s.close());
  const controller = new AbortController();
  const call = grpcError(s.catalog.getProduct({ id: 'x' }, { signal: controller.signal }));
  await running;
  controller.abort();
  t.is((await call).code, status.CANCELLED);
  await eventually(() => reason, 3000, 'the handler to see the abort');
  t.is((reason as ServiceError).code, status.CANCELLED);
});

test('health - Check follows readiness and an unknown service is NOT_FOUND', async (t) => {
  const s = await serve(async () => ({ name: 'n' }));
  t.teardown(() => s.close());
  t.is((await s.health.check({ service: '' })).status, Serving.NOT_SERVING);
  s.server.health.setAll(Serving.SERVING);
  t.is((await s.health.check({ service: '' })).status, Serving.SERVING);
  t.is((await s.health.check({ service: 'shop.catalog.v1.CatalogService' })).status, Serving.SERVING);
  t.is((await grpcError(s.health.check({ service: 'nope' }))).code, status.NOT_FOUND);
});

test('health - Watch streams the current status, then each change', async (t) => {
  const s = await serve(async () => ({ name: 'n' }));
  t.teardown(() => s.close());
  const controller = new AbortController();
  const seen: Serving[] = [];
  const watching = (async () => {
    try {
      for await (const r of s.health.watch({ service: '' }, { signal: controller.signal })) {
        seen.push(r.status);
        if (seen.length === 1) s.server.health.setAll(Serving.SERVING);
        if (seen.length === 2) s.server.health.setAll(Serving.NOT_SERVING);
        if (seen.length === 3) controller.abort();
      }
    } catch (err) {
      if (!isGrpcError(err) || err.code !== status.CANCELLED) throw err;
    }
  })();
  await watching;
  t.deepEqual(seen, [Serving.NOT_SERVING, Serving.SERVING, Serving.NOT_SERVING]);
});

test('server - shutdown lets short calls finish and cancels calls that outlive the grace period', async (t) => {
  const reasons: unknown[] = [];
  const s = await serve(
    (id, ctx) =>
      new Promise((resolve, reject) => {
        if (id === 'short') setTimeout(() => resolve({ name: 'done' }), 100);
        ctx.signal.addEventListener('abort', () => {
          reasons.push(ctx.signal.reason);
          reject(ctx.signal.reason);
        });
      }),
  );
  t.teardown(() => s.close());
  const short = s.catalog.getProduct({ id: 'short' });
  const long = grpcError(s.catalog.getProduct({ id: 'long' }));
  await eventually(() => s.server.inFlightCount === 2 || undefined, 3000, 'two calls in flight');
  await s.server.shutdown(400);
  t.is((await short).name, 'done');
  t.true([status.UNAVAILABLE, status.CANCELLED].includes((await long).code));
  t.is((reasons[0] as ServiceError).code, status.UNAVAILABLE);
});
