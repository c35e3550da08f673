// Inbound: every stream from a peer sidecar goes to the local service instance, as it came.
import type { Clock } from '../clock.js';
import type { HeaderList } from '../h2/index.js';
import type { EndpointPool } from '../pool/endpoint-pool.js';
import { Call, type AttemptFailure, type CallOwner } from '../relay/call.js';
import type { CallObserver } from '../relay/call-observer.js';
import { forwardHeaders } from '../relay/forward-headers.js';
import { GrpcStatus, headerValue, parseGrpcTimeout, trailersOnly } from '../relay/grpc-wire.js';
import type { CallFactory, DownstreamLink, UpstreamLink } from '../relay/links.js';

export interface InboundOptions {
  /** The local service instance (one endpoint). */
  pool: EndpointPool;
  /** Its name, for messages ("catalog"). */
  service: string;
  clock: Clock;
  /** Metrics and tracing; started() sets the call's traceparent for the next hop. */
  observer: CallObserver;
}

export class InboundForwarder implements CallFactory, CallOwner {
  constructor(private readonly o: InboundOptions) {}

  newCall(link: DownstreamLink, streamId: number, headers: HeaderList, endStream: boolean): void {
    const now = this.o.clock.now();
    const timeout = parseGrpcTimeout(headerValue(headers, 'grpc-timeout'));
    // No retries inbound (the local instance is the only place to go): nothing is kept for replay.
    const call = new Call(this, link, streamId, headers, timeout === undefined ? undefined : now + timeout, 0, endStream, now);
    this.o.observer.started(call);
    const forwarded = forwardHeaders(headers, call.deadline, now, call.traceparent);
    const acquired = this.o.pool.acquire();
    if (acquired instanceof Promise) {
      acquired.then(
        (up) => this.open(call, up, forwarded),
        (err: Error) => call.respond(trailersOnly(GrpcStatus.UNAVAILABLE, `local service ${this.o.service} unavailable: ${err.message}`)),
      );
    } else {
      this.open(call, acquired, forwarded);
    }
  }

  attemptFailed(call: Call, failure: AttemptFailure): void {
    switch (failure.kind) {
      case 'status':
        call.respond(failure.headers);
        return;
      case 'connect_failure':
        call.respond(trailersOnly(GrpcStatus.UNAVAILABLE, `local service ${this.o.service} unavailable: ${failure.message}`));
        return;
      case 'refused_stream':
        call.respond(trailersOnly(GrpcStatus.UNAVAILABLE, `local service ${this.o.service} refused the stream`));
        return;
      case 'reset':
        // The local service reset the stream before answering: pass the reset on, as it is.
        call.abort(failure.code);
        return;
    }
  }

  responseStarted(): void {}

  finished(call: Call): void {
    this.o.observer.finished(call);
  }

  private open(call: Call, up: UpstreamLink, headers: HeaderList): void {
    if (call.done) return;
    if (!up.open(call, headers)) {
      call.respond(trailersOnly(GrpcStatus.UNAVAILABLE, `local service ${this.o.service} has no stream capacity`));
    }
  }
}
