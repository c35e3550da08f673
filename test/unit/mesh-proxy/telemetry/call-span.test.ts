// startCallSpan with and without an OpenTelemetry SDK. No SDK (@opentelemetry/sdk-trace-base) is installed in
// this repo, so a minimal in-memory TracerProvider registered with trace.setGlobalTracerProvider stands in.
import test from 'ava';
import {
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type AttributeValue,
  type Context,
  type Span,
  type SpanContext,
  type SpanOptions,
  type SpanStatus,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';
import { newSpanId, newTraceId, parseTraceparent, sdkTracer, splitGrpcPath, startCallSpan } from '../../../../mesh-proxy/src/telemetry/index.js';

class RecordedSpan implements Span {
  readonly attributes: Attributes;
  status: SpanStatus = { code: SpanStatusCode.UNSET };
  ended = 0;
  constructor(
    readonly name: string,
    readonly kind: SpanKind | undefined,
    readonly parent: SpanContext | undefined,
    private readonly context: SpanContext,
    attributes: Attributes | undefined,
  ) {
    this.attributes = { ...attributes };
  }
  spanContext(): SpanContext {
    return this.context;
  }
  setAttribute(key: string, value: AttributeValue): this {
    this.attributes[key] = value;
    return this;
  }
  setAttributes(attributes: Attributes): this {
    Object.assign(this.attributes, attributes);
    return this;
  }
  addEvent(): this {
    return this;
  }
  addLink(): this {
    return this;
  }
  addLinks(): this {
    return this;
  }
  setStatus(status: SpanStatus): this {
    this.status = status;
    return this;
  }
  updateName(): this {
    return this;
  }
  end(): void {
    this.ended += 1;
  }
  isRecording(): boolean {
    return this.ended === 0;
  }
  recordException(): void {}
}

class InMemoryProvider implements TracerProvider {
  readonly spans: RecordedSpan[] = [];
  readonly tracerNames: string[] = [];
  getTracer(name: string): Tracer {
    this.tracerNames.push(name);
    const startSpan = (spanName: string, options: SpanOptions = {}, ctx?: Context): Span => {
      const parent = ctx ? trace.getSpanContext(ctx) : undefined;
      const span = new RecordedSpan(
        spanName,
        options.kind,
        parent,
        { traceId: parent?.traceId ?? newTraceId(), spanId: newSpanId(), traceFlags: parent?.traceFlags ?? 1 },
        options.attributes,
      );
      this.spans.push(span);
      return span;
    };
    return { startSpan, startActiveSpan: (() => undefined) as unknown as Tracer['startActiveSpan'] };
  }
}

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT = '00f067aa0ba902b7';
const INCOMING = `00-${TRACE}-${PARENT}-01`;

test.afterEach.always(() => trace.disable());

test.serial('call span - without an SDK: no span, and the next hop gets a child of the incoming traceparent', (t) => {
  t.is(sdkTracer(), undefined);
  const span = startCallSpan({ direction: 'outbound', path: '/shop.inventory.v1.Inventory/Reserve', traceparent: INCOMING });
  const out = parseTraceparent(span.traceparent)!;
  t.is(out.traceId, TRACE);
  t.not(out.parentId, PARENT);
  t.is(out.flags, 1);
  t.notThrows(() => span.end(0));
});

test.serial('call span - with an SDK: one span per call, child of the incoming context, with RPC attributes, ended once', (t) => {
  const provider = new InMemoryProvider();
  trace.setGlobalTracerProvider(provider);
  const span = startCallSpan({
    direction: 'outbound',
    path: '/shop.inventory.v1.Inventory/Reserve',
    traceparent: INCOMING,
    tracestate: 'vendor=abc',
    peer: { address: '10.0.0.7', port: 21000 },
  });
  t.deepEqual(provider.tracerNames, ['mesh-proxy']);
  t.is(provider.spans.length, 1);
  const recorded = provider.spans[0]!;
  t.is(recorded.name, 'shop.inventory.v1.Inventory/Reserve');
  t.is(recorded.kind, SpanKind.CLIENT);
  t.like(recorded.parent, { traceId: TRACE, spanId: PARENT, traceFlags: 1, isRemote: true });
  t.is(recorded.parent?.traceState?.get('vendor'), 'abc');
  t.deepEqual(recorded.attributes, {
    'rpc.system': 'grpc',
    'rpc.service': 'shop.inventory.v1.Inventory',
    'rpc.method': 'Reserve',
    'net.peer.name': '10.0.0.7',
    'net.peer.port': 21000,
  });
  // What goes on the wire is the SDK span's own id: the next hop's parent is this span.
  t.is(span.traceparent, `00-${TRACE}-${recorded.spanContext().spanId}-01`);

  span.end(14);
  span.end(14);
  t.is(recorded.ended, 1);
  t.is(recorded.attributes['rpc.grpc.status_code'], 14);
  t.deepEqual(recorded.status, { code: SpanStatusCode.ERROR, message: 'UNAVAILABLE' });
});

test.serial('call span - with an SDK and no incoming traceparent: a root span, whose ids are sent on', (t) => {
  const provider = new InMemoryProvider();
  trace.setGlobalTracerProvider(provider);
  const span = startCallSpan({ direction: 'inbound', path: '/shop.order.v1.Orders/Place', traceparent: 'not-a-traceparent' });
  const recorded = provider.spans[0]!;
  t.is(recorded.parent, undefined);
  t.is(recorded.kind, SpanKind.SERVER);
  const sc = recorded.spanContext();
  t.is(span.traceparent, `00-${sc.traceId}-${sc.spanId}-01`);
  span.end(0);
  t.is(recorded.attributes['rpc.grpc.status_code'], 0);
  t.is(recorded.status.code, SpanStatusCode.UNSET);
});

test.serial('call span - a SERVER span is an error only for server-side codes; a CLIENT span for any non-OK code', (t) => {
  const provider = new InMemoryProvider();
  trace.setGlobalTracerProvider(provider);
  const inbound = (code: number) => {
    startCallSpan({ direction: 'inbound', path: '/a.B/C', traceparent: INCOMING }).end(code);
    return provider.spans.at(-1)!.status.code;
  };
  t.is(inbound(5), SpanStatusCode.UNSET, 'NOT_FOUND is an answer, not a server fault');
  t.is(inbound(9), SpanStatusCode.UNSET);
  t.is(inbound(13), SpanStatusCode.ERROR);
  t.is(inbound(4), SpanStatusCode.ERROR);
  startCallSpan({ direction: 'outbound', path: '/a.B/C', traceparent: INCOMING }).end(5);
  t.is(provider.spans.at(-1)!.status.code, SpanStatusCode.ERROR);
});

test('call span - gRPC paths split into service and method', (t) => {
  t.deepEqual(splitGrpcPath('/shop.order.v1.Orders/Place'), { service: 'shop.order.v1.Orders', method: 'Place' });
  t.deepEqual(splitGrpcPath('/grpc.health.v1.Health/Check'), { service: 'grpc.health.v1.Health', method: 'Check' });
  t.deepEqual(splitGrpcPath('weird'), { service: 'weird', method: '' });
});
