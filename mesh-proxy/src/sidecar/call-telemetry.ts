// Metrics and a tracing span for every proxied call, inbound or outbound.
import type { Call } from '../relay/call.js';
import type { CallObserver } from '../relay/call-observer.js';
import { GrpcStatus, headerValue } from '../relay/grpc-wire.js';
import { startCallSpan, type RequestMetrics } from '../telemetry/index.js';

const RST_CANCEL = 0x8;

/** The gRPC code a call ended with, as its caller saw it. */
export function callOutcome(call: Call): number {
  if (call.grpcStatus !== undefined) return call.grpcStatus;
  if (call.resetCode === undefined) return GrpcStatus.UNKNOWN;
  // A reset: CANCEL is the caller giving up; anything else is the path failing under it.
  return call.resetCode === RST_CANCEL ? GrpcStatus.CANCELLED : GrpcStatus.UNAVAILABLE;
}

export class CallTelemetry implements CallObserver {
  constructor(
    private readonly direction: 'inbound' | 'outbound',
    private readonly metrics: RequestMetrics,
  ) {}

  started(call: Call): void {
    this.metrics.started();
    const span = startCallSpan({
      direction: this.direction,
      path: headerValue(call.requestHeaders, ':path') ?? '',
      traceparent: headerValue(call.requestHeaders, 'traceparent'),
    });
    call.traceparent = span.traceparent;
    call.span = span;
  }

  finished(call: Call): void {
    const code = callOutcome(call);
    this.metrics.finished(code, (performance.now() - call.startedMono) / 1000);
    call.span?.end(code);
  }
}
