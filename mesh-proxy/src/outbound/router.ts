// Outbound: each call from the local app goes to an endpoint of its upstream, picked by the balancer
// among those outlier detection trusts, within the upstream's limits, retried when safe.
//
//   new call → limits (shed: UNAVAILABLE) → pick endpoint (not ejected, not tried) → connection
//     → upstream stream → response begins: committed, outcome recorded
//     ↳ failure before the response: outcome recorded → retry policy + budget + deadline
//        → backoff → pick another endpoint … or answer the caller with the failure
//   at the deadline (the caller's, or requestTimeoutMs when shorter), wherever the call is: DEADLINE_EXCEEDED
//   (the listener's timer, relay/deadlines.ts, expires the call with the deadline given to it here)
import type { Clock, Random } from '../clock.js';
import type { Endpoint } from '../discovery/index.js';
import type { HeaderList } from '../h2/index.js';
import { Call, type AttemptFailure, type CallOwner } from '../relay/call.js';
import type { CallObserver } from '../relay/call-observer.js';
import { forwardHeaders } from '../relay/forward-headers.js';
import { GrpcStatus, headerValue, parseGrpcTimeout, trailersOnly } from '../relay/grpc-wire.js';
import type { CallFactory, DownstreamLink, UpstreamLink } from '../relay/links.js';
import { Overloaded } from '../breaker/index.js';
import { decideRetry, type RetryCause } from '../retry/index.js';
import type { Cluster } from './cluster.js';

/** A call with what routing needs to remember across attempts. */
export class RoutedCall extends Call {
  endpoint: Endpoint | undefined;
  /** Endpoint ids already tried by this call. */
  readonly tried: string[] = [];
  /** Gives the concurrency slot back. */
  release: (() => void) | undefined;
  /** A retry holds budget capacity until its attempt ends. */
  holdsRetry = false;
  /** Set while the call waits for a concurrency slot: aborting it takes the call out of the queue. */
  waiting: AbortController | undefined;
}

export interface RouterEvents extends CallObserver {
  retried?(call: RoutedCall, cause: RetryCause): void;
  retryRefused?(call: RoutedCall, reason: string): void;
  shed?(call: RoutedCall, reason: string): void;
}

export interface RouterOptions {
  cluster: Cluster;
  clock: Clock;
  random: Random;
  /** Metrics and tracing; started() sets the call's traceparent for the next hop. */
  events: RouterEvents;
}

/** What a retry that adds no load draws on: always granted, nothing to give back. */
const NO_BUDGET = { tryAcquireRetry: () => true };

export class OutboundRouter implements CallFactory, CallOwner {
  constructor(private readonly o: RouterOptions) {}

  newCall(link: DownstreamLink, streamId: number, headers: HeaderList, endStream: boolean): void {
    const { cluster, clock } = this.o;
    const now = clock.now();
    const timeout = parseGrpcTimeout(headerValue(headers, 'grpc-timeout'));
    const requestTimeout = cluster.config.requestTimeoutMs > 0 ? cluster.config.requestTimeoutMs : undefined;
    // The caller's deadline wins when it is shorter than the upstream's request timeout.
    const budgetMs = timeout === undefined ? requestTimeout : requestTimeout === undefined ? timeout : Math.min(timeout, requestTimeout);
    const call = new RoutedCall(this, link, streamId, headers, budgetMs === undefined ? undefined : now + budgetMs, cluster.config.retry.maxReplayBytes, endStream, now);
    this.o.events.started(call);
    // Counted before the limits: finished() uncounts every call, shed ones included.
    cluster.budget.requestStarted();
    const { limiter } = cluster;
    let slot: ReturnType<typeof limiter.acquire>;
    try {
      // A call that will wait gets a signal, so that it leaves the queue if it ends first (deadline, caller cancel)
      // instead of holding a pending place until a slot frees; only then, since an AbortSignal costs ~5 µs.
      if (limiter.maxPending > 0 && limiter.stats().active >= limiter.maxActive) {
        call.waiting = new AbortController();
        slot = limiter.acquire(call.waiting.signal);
      } else {
        slot = limiter.acquire();
      }
    } catch (err) {
      this.shed(call, err);
      return;
    }
    if (typeof slot === 'function') {
      call.release = slot;
      this.attempt(call);
    } else {
      slot.then(
        (release) => {
          call.waiting = undefined;
          call.release = release;
          if (call.done) release();
          else this.attempt(call);
        },
        // Aborted by finished(): the call has already been answered.
        (err: unknown) => (call.done ? undefined : this.shed(call, err)),
      );
    }
  }

  attemptFailed(c: Call, failure: AttemptFailure): void {
    const call = c as RoutedCall;
    const { cluster, clock } = this.o;
    const endpoint = call.endpoint;
    this.endAttempt(call, failure.kind === 'status' ? failure.grpcStatus !== GrpcStatus.UNAVAILABLE : false);
    const cause: RetryCause =
      failure.kind === 'status' ? { kind: 'status', grpcStatus: failure.grpcStatus } : failure.kind === 'reset' ? { kind: 'reset', code: failure.code } : { kind: failure.kind };
    // A connect failure sent nothing: trying another endpoint adds no load anywhere, so it spends no retry budget
    // (linkerd2-proxy never dispatches to an unconnected endpoint, for the same reason). Otherwise the calls
    // queued on one failed connect (an instance that just drained or died) overrun the budget's floor together.
    const free = failure.kind === 'connect_failure';
    const decision = decideRetry({
      policy: cluster.retryPolicy,
      cause,
      attempt: call.attempts,
      replayable: call.replayable,
      now: clock.now(),
      deadline: call.deadline,
      budget: free ? NO_BUDGET : cluster.budget,
      random: this.o.random,
    });
    if (decision.retry) {
      call.holdsRetry = !free;
      this.o.events.retried?.(call, cause);
      if (decision.delayMs <= 0) this.attempt(call);
      else clock.sleep(decision.delayMs).then(() => this.attempt(call));
      return;
    }
    if (decision.reason !== 'not_retriable') this.o.events.retryRefused?.(call, decision.reason);
    const where = endpoint ? `${endpoint.address}:${endpoint.port}` : 'no endpoint';
    switch (failure.kind) {
      case 'status':
        call.respond(failure.headers);
        return;
      case 'connect_failure':
        call.respond(trailersOnly(GrpcStatus.UNAVAILABLE, `upstream ${cluster.name}: ${failure.message}`));
        return;
      case 'refused_stream':
        call.respond(trailersOnly(GrpcStatus.UNAVAILABLE, `upstream ${cluster.name} (${where}) refused the stream`));
        return;
      case 'reset':
        call.respond(trailersOnly(GrpcStatus.UNAVAILABLE, `upstream ${cluster.name} (${where}) reset the stream (HTTP/2 error ${failure.code})`));
        return;
    }
  }

  responseStarted(c: Call): void {
    this.endAttempt(c as RoutedCall, true);
  }

  finished(c: Call): void {
    const call = c as RoutedCall;
    call.waiting?.abort();
    call.waiting = undefined;
    if (call.endpoint !== undefined) this.endAttempt(call, call.resetCode === undefined);
    call.release?.();
    call.release = undefined;
    this.o.cluster.budget.requestFinished();
    this.o.events.finished(call);
  }

  /** Picks an endpoint and opens the next attempt's stream. */
  private attempt(call: RoutedCall): void {
    if (call.done) return;
    const { cluster } = this.o;
    const { outlier, balancer } = cluster;
    const fresh = (e: Endpoint) => outlier.eligible(e.id) && !call.tried.includes(e.id);
    // A retry prefers an endpoint it has not tried; with none left, any trusted one will do.
    const endpoint = balancer.pick(fresh) ?? balancer.pick((e) => outlier.eligible(e.id));
    if (endpoint === undefined) {
      const known = cluster.endpoints.length;
      call.respond(trailersOnly(GrpcStatus.UNAVAILABLE, known === 0 ? `upstream ${cluster.name} has no healthy instances` : `upstream ${cluster.name}: all ${known} instances are ejected by outlier detection`));
      return;
    }
    call.endpoint = endpoint;
    call.tried.push(endpoint.id);
    outlier.onStart(endpoint.id);
    balancer.started(endpoint);
    const acquired = cluster.pool(endpoint).acquire();
    if (acquired instanceof Promise) {
      acquired.then(
        (up) => this.open(call, up),
        (err: Error) => {
          if (!call.done && call.endpoint === endpoint) this.attemptFailed(call, { kind: 'connect_failure', message: err.message });
        },
      );
    } else {
      this.open(call, acquired);
    }
  }

  private open(call: RoutedCall, up: UpstreamLink): void {
    if (call.done) return;
    const headers = forwardHeaders(call.requestHeaders, call.deadline, this.o.clock.now(), call.traceparent);
    if (!up.open(call, headers)) this.attemptFailed(call, { kind: 'refused_stream' });
  }

  /** Records the attempt's outcome for outlier detection and the balancer, and frees retry budget. */
  private endAttempt(call: RoutedCall, ok: boolean): void {
    const endpoint = call.endpoint;
    if (endpoint === undefined) return;
    call.endpoint = undefined;
    this.o.cluster.outlier.onResult(endpoint.id, ok);
    this.o.cluster.balancer.finished(endpoint);
    if (call.holdsRetry) {
      call.holdsRetry = false;
      this.o.cluster.budget.retryFinished();
    }
  }

  private shed(call: RoutedCall, err: unknown): void {
    if (!(err instanceof Overloaded)) throw err;
    this.o.events.shed?.(call, err.reason);
    call.respond(trailersOnly(GrpcStatus.UNAVAILABLE, `upstream ${this.o.cluster.name} overloaded: ${err.reason} limit ${err.limit} reached (mesh-proxy)`));
  }
}
