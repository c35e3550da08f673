// Turns one typed handler into a grpc-js handler: context, deadline and cancellation in,
// protobuf-es (de)serialization, responses and trailers out, every error mapped once, one log line.
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import {
  Metadata,
  status as Code,
  type MethodDefinition,
  type ServerDuplexStream,
  type ServerReadableStream,
  type ServerUnaryCall,
  type ServerWritableStream,
  type UntypedHandleCall,
  type sendUnaryData,
} from '@grpc/grpc-js';
import { create, fromBinary, toBinary, type DescMessage, type DescMethod, type Message } from '@bufbuild/protobuf';
import { ServiceError, toCallerStatus } from '../errors/index.js';
import type { Logger } from '../log.js';
import { ContextValues, type CallContext } from './call-context.js';
import { chain, type CallHandler, type Interceptor } from './interceptor.js';

export interface AdapterOptions {
  log: Logger;
  interceptors: readonly Interceptor[];
  /** ErrorInfo domain for status details, e.g. "catalog.shopmesh". */
  errorDomain: string;
  /** Tracks in-flight calls so shutdown can cancel them. */
  inFlight: Set<AbortController>;
  /** Paths logged at debug instead of info (health checks every few seconds). */
  quietPaths: ReadonlySet<string>;
}

type AnyCall = ServerUnaryCall<Message, Message> | ServerReadableStream<Message, Message> | ServerWritableStream<Message, Message> | ServerDuplexStream<Message, Message>;
type AnyHandler = (...args: unknown[]) => unknown;

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
/** A cancel this close to the deadline is taken for the deadline (clock and transit skew). */
const DEADLINE_SLACK_MS = 50;

export function methodPath(method: DescMethod): string {
  return `/${method.parent.typeName}/${method.name}`;
}

/** The grpc-js method definition: path, streaming flags and protobuf-es binary codecs. */
export function methodDefinition(method: DescMethod): MethodDefinition<Message, Message> {
  const input = method.input;
  const output = method.output;
  return {
    path: methodPath(method),
    requestStream: method.methodKind === 'client_streaming' || method.methodKind === 'bidi_streaming',
    responseStream: method.methodKind === 'server_streaming' || method.methodKind === 'bidi_streaming',
    requestSerialize: (m: Message) => Buffer.from(toBinary(input, m)),
    requestDeserialize: (b: Buffer) => fromBinary(input, b),
    responseSerialize: (m: Message) => Buffer.from(toBinary(output, m)),
    responseDeserialize: (b: Buffer) => fromBinary(output, b),
    originalName: method.localName,
  };
}

export function adaptMethod(method: DescMethod, handler: AnyHandler, options: AdapterOptions): UntypedHandleCall {
  const path = methodPath(method);
  const output = method.output;
  const quiet = options.quietPaths.has(path);

  const run = (call: AnyCall, core: CallHandler, finish: (failure: Failure, ctx: CallContext) => void): void => {
    const { ctx, controller, dispose } = newContext(method, path, call, options);
    const started = performance.now();
    chain(options.interceptors, core)(ctx).then(
      () => done(undefined),
      (err: unknown) => done(err),
    );
    function done(err: unknown): void {
      options.inFlight.delete(controller);
      // When the call was aborted, the abort's reason is the truth (DEADLINE_EXCEEDED,
      // CANCELLED), whatever error the aborted operation surfaced.
      const cause = err !== undefined && ctx.signal.aborted ? ctx.signal.reason : err;
      const durationMs = Math.round((performance.now() - started) * 1000) / 1000;
      try {
        if (cause === undefined) {
          finish(undefined, ctx);
          ctx.log[quiet ? 'debug' : 'info']({ code: 'OK', durationMs }, 'rpc');
        } else {
          const s = toCallerStatus(cause, options.errorDomain);
          finish(s, ctx);
          const fields = { code: Code[s.code], durationMs, message: s.message };
          if (s.unexpected) ctx.log.error({ ...fields, err: cause }, 'rpc failed');
          else ctx.log[quiet ? 'debug' : 'info'](fields, 'rpc');
        }
      } catch (err) {
        // Sending can throw (a response that does not serialize): one call fails, never the process.
        ctx.log.error({ err }, 'rpc response could not be sent');
        try {
          finish(toCallerStatus(err, options.errorDomain), ctx);
        } catch {
          // The call is beyond saving; grpc-js ends it when the client goes away.
        }
      } finally {
        dispose();
      }
    }
  };

  switch (method.methodKind) {
    case 'unary':
      return (call: ServerUnaryCall<Message, Message>, callback: sendUnaryData<Message>) => {
        let response: Message | undefined;
        run(
          call,
          async (ctx) => {
            response = create(output, (await handler(call.request, ctx)) as never);
          },
          (s, ctx) => respondUnary(call, callback, ctx, s, response),
        );
      };
    case 'client_streaming':
      return (call: ServerReadableStream<Message, Message>, callback: sendUnaryData<Message>) => {
        let response: Message | undefined;
        run(
          call,
          async (ctx) => {
            response = create(output, (await handler(call, ctx)) as never);
          },
          (s, ctx) => respondUnary(call, callback, ctx, s, response),
        );
      };
    case 'server_streaming':
      return (call: ServerWritableStream<Message, Message>) => {
        run(call, (ctx) => writeAll(call, output, handler(call.request, ctx) as AsyncIterable<unknown>, ctx), (s, ctx) => endStream(call, ctx, s));
      };
    case 'bidi_streaming':
      return (call: ServerDuplexStream<Message, Message>) => {
        run(call, (ctx) => writeAll(call, output, handler(call, ctx) as AsyncIterable<unknown>, ctx), (s, ctx) => endStream(call, ctx, s));
      };
  }
}

type Failure = ReturnType<typeof toCallerStatus> | undefined;

function respondUnary(
  call: ServerUnaryCall<Message, Message> | ServerReadableStream<Message, Message>,
  callback: sendUnaryData<Message>,
  ctx: CallContext,
  failure: Failure,
  response: Message | undefined,
): void {
  if (failure === undefined) {
    call.sendMetadata(ctx.responseHeaders);
    callback(null, response, ctx.responseTrailers);
    return;
  }
  callback({ code: failure.code, details: failure.message, metadata: mergeMetadata(ctx.responseTrailers, failure.metadata) });
}

function endStream(call: ServerWritableStream<Message, Message> | ServerDuplexStream<Message, Message>, ctx: CallContext, failure: Failure): void {
  if (failure === undefined) {
    call.end(ctx.responseTrailers);
    return;
  }
  call.emit('error', { code: failure.code, details: failure.message, metadata: mergeMetadata(ctx.responseTrailers, failure.metadata) });
}

async function writeAll(
  call: ServerWritableStream<Message, Message> | ServerDuplexStream<Message, Message>,
  output: DescMessage,
  responses: AsyncIterable<unknown>,
  ctx: CallContext,
): Promise<void> {
  let headersSent = false;
  for await (const r of responses) {
    ctx.signal.throwIfAborted();
    if (!headersSent) {
      call.sendMetadata(ctx.responseHeaders);
      headersSent = true;
    }
    // Back-pressure: wait for the transport to drain instead of buffering without bound.
    if (!call.write(create(output, r as never))) await once(call, 'drain', { signal: ctx.signal });
  }
  if (!headersSent) call.sendMetadata(ctx.responseHeaders);
}

function mergeMetadata(a: Metadata, b: Metadata): Metadata {
  const out = a.clone();
  out.merge(b);
  return out;
}

interface NewContext {
  ctx: CallContext;
  controller: AbortController;
  /** Clears the deadline timer and the cancel listener once the call is over. */
  dispose: () => void;
}

function newContext(method: DescMethod, path: string, call: AnyCall, options: AdapterOptions): NewContext {
  const controller = new AbortController();
  options.inFlight.add(controller);
  const sent = call.metadata.get('x-request-id')[0];
  const requestId = typeof sent === 'string' && REQUEST_ID.test(sent) ? sent : randomUUID();
  const deadlineValue = call.getDeadline();
  const deadline = deadlineValue instanceof Date ? deadlineValue.getTime() : Number.isFinite(deadlineValue) ? deadlineValue : undefined;
  let timer: NodeJS.Timeout | undefined;
  if (deadline !== undefined) {
    timer = setTimeout(
      () => controller.abort(new ServiceError(Code.DEADLINE_EXCEEDED, 'deadline exceeded')),
      Math.max(0, deadline - Date.now()),
    );
  }
  // A client whose deadline passes sends RST_STREAM(CANCEL), just before our own timer would
  // fire (our deadline is its grpc-timeout counted from when the headers arrived), and grpc-js
  // ends an expired call with its own timer, reported as a cancel too: near the deadline, a
  // cancel is the deadline.
  const onCancel = () =>
    controller.abort(
      deadline !== undefined && Date.now() >= deadline - DEADLINE_SLACK_MS
        ? new ServiceError(Code.DEADLINE_EXCEEDED, 'deadline exceeded')
        : new ServiceError(Code.CANCELLED, 'call cancelled by the client'),
    );
  const events = call as unknown as NodeJS.EventEmitter;
  events.on('cancelled', onCancel);
  const peer = call.getPeer();
  const responseHeaders = new Metadata();
  responseHeaders.set('x-request-id', requestId);
  const ctx: CallContext = {
    method,
    path,
    requestId,
    metadata: call.metadata,
    signal: controller.signal,
    deadline,
    peer,
    responseHeaders,
    responseTrailers: new Metadata(),
    log: options.log.child({ requestId, method: path, peer }),
    values: new ContextValues(),
  };
  const dispose = () => {
    if (timer) clearTimeout(timer);
    events.removeListener('cancelled', onCancel);
  };
  return { ctx, controller, dispose };
}
