// One OpenTelemetry span per proxied call, and the traceparent the call carries on to the next hop.
//
// With an OpenTelemetry SDK registered (trace.setGlobalTracerProvider), the span is a real span, child of the
// incoming traceparent, and its ids go on the wire. With none (the default), @opentelemetry/api's no-op tracer
// returns the parent's own span context, so the proxy makes its hop's span id itself (trace-context.ts).
// Attributes follow the OpenTelemetry RPC semantic conventions for gRPC. `tracestate` is never rewritten.
import {
  createTraceState,
  ProxyTracerProvider,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  isSpanContextValid,
  type Attributes,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import { grpcCodeName } from '../config/index.js';
import { childTraceparent, formatTraceparent, outgoingFlags, parseTraceparent } from './trace-context.js';

export const TRACER_NAME = 'mesh-proxy';

export interface CallSpanInput {
  /** inbound: the sidecar serves its app's callers (SERVER span); outbound: it calls an upstream (CLIENT span). */
  direction: 'inbound' | 'outbound';
  /** The HTTP/2 :path, "/package.Service/Method". */
  path: string;
  /** The incoming traceparent header, if any. */
  traceparent: string | undefined;
  /** The incoming tracestate, handed to the SDK's parent context (the header itself is forwarded untouched). */
  tracestate?: string | undefined;
  /** Who the call goes to (outbound) or comes from (inbound). */
  peer?: { address: string; port: number } | undefined;
}

export interface CallSpan {
  /** The traceparent to send to the next hop. */
  readonly traceparent: string;
  /** Ends the span with the call's gRPC status (idempotent). */
  end(grpcStatusCode: number): void;
}

/** Codes that are a server-side error for a SERVER span (semantic conventions: gRPC span status). */
const SERVER_ERRORS = new Set([2, 4, 12, 13, 14, 15]);

const NO_SPAN_END = (): void => undefined;

/**
 * Starts the call's span. `tracer` defaults to the registered SDK's tracer named "mesh-proxy"; with no SDK
 * registered no span object is made at all (the no-op path costs only the new span id).
 */
export function startCallSpan(input: CallSpanInput, tracer: Tracer | undefined = sdkTracer()): CallSpan {
  if (!tracer) return { traceparent: childTraceparent(input.traceparent), end: NO_SPAN_END };
  const { service, method } = splitGrpcPath(input.path);
  const parent = parseTraceparent(input.traceparent);
  const ctx = parent
    ? trace.setSpanContext(ROOT_CONTEXT, {
        traceId: parent.traceId,
        spanId: parent.parentId,
        traceFlags: parent.flags,
        isRemote: true,
        ...(input.tracestate ? { traceState: createTraceState(input.tracestate) } : {}),
      })
    : ROOT_CONTEXT;
  const attributes: Attributes = { 'rpc.system': 'grpc', 'rpc.service': service, 'rpc.method': method };
  if (input.peer) {
    attributes['net.peer.name'] = input.peer.address;
    attributes['net.peer.port'] = input.peer.port;
  }
  const span: Span = tracer.startSpan(
    `${service}/${method}`,
    { kind: input.direction === 'outbound' ? SpanKind.CLIENT : SpanKind.SERVER, attributes },
    ctx,
  );
  const sc = span.spanContext();
  // A real span has its own span id; the no-op span echoes the parent's (or is invalid without one).
  const real = isSpanContextValid(sc) && sc.spanId !== parent?.parentId;
  const traceparent = real ? formatTraceparent(sc.traceId, sc.spanId, outgoingFlags(sc.traceFlags)) : childTraceparent(input.traceparent);
  let ended = false;
  return {
    traceparent,
    end: (grpcStatusCode) => {
      if (ended) return;
      ended = true;
      if (span.isRecording()) {
        span.setAttribute('rpc.grpc.status_code', grpcStatusCode);
        const error = input.direction === 'outbound' ? grpcStatusCode !== 0 : SERVER_ERRORS.has(grpcStatusCode);
        if (error) span.setStatus({ code: SpanStatusCode.ERROR, message: grpcCodeName(grpcStatusCode) });
      }
      span.end();
    },
  };
}

/**
 * trace.getTracer('mesh-proxy') from the registered provider, or undefined when none is registered: the global
 * provider is a ProxyTracerProvider whose delegate is set by trace.setGlobalTracerProvider.
 */
export function sdkTracer(): Tracer | undefined {
  const provider = trace.getTracerProvider();
  return provider instanceof ProxyTracerProvider ? provider.getDelegateTracer(TRACER_NAME) : provider.getTracer(TRACER_NAME);
}

/** "/pkg.Service/Method" → { service: "pkg.Service", method: "Method" }; anything else is kept whole as the service. */
export function splitGrpcPath(path: string): { service: string; method: string } {
  const slash = path.lastIndexOf('/');
  if (path.startsWith('/') && slash > 0) return { service: path.slice(1, slash), method: path.slice(slash + 1) };
  return { service: path, method: '' };
}
