// A typed promise client for protobuf-es services on @grpc/grpc-js (unary and server streaming),
// passing deadlines and cancellation on: what a service uses to call another through its sidecar.
import { Client, Metadata, credentials, type CallOptions, type ChannelOptions, type ServiceError as GrpcError } from '@grpc/grpc-js';
import { create, fromBinary, toBinary, type DescMessage, type DescMethod, type MessageInitShape, type MessageShape } from '@bufbuild/protobuf';
import type { GenService, GenServiceMethods } from '@bufbuild/protobuf/codegenv2';

export interface CallOptionsIn {
  /** Cancels the call (RST_STREAM) when it aborts. */
  signal?: AbortSignal;
  /** Absolute deadline (epoch ms); sent as grpc-timeout. */
  deadline?: number;
  /** Relative timeout; the earlier of this and `deadline` wins. */
  timeoutMs?: number;
  metadata?: Metadata;
  /** Receives the response headers. */
  onHeader?: (headers: Metadata) => void;
  /** Receives the trailers. */
  onTrailer?: (trailers: Metadata) => void;
}

type MethodShape = Pick<DescMethod, 'input' | 'output' | 'methodKind'>;
type In<M extends MethodShape> = M['input'] extends DescMessage ? MessageInitShape<M['input']> : never;
type Out<M extends MethodShape> = M['output'] extends DescMessage ? MessageShape<M['output']> : never;

export type ClientMethod<M extends MethodShape> = M['methodKind'] extends 'unary'
  ? (request: In<M>, options?: CallOptionsIn) => Promise<Out<M>>
  : M['methodKind'] extends 'server_streaming'
    ? (request: In<M>, options?: CallOptionsIn) => AsyncIterable<Out<M>>
    : never;

export type ServiceClient<T extends GenServiceMethods> = { [K in keyof T]: ClientMethod<T[K]> } & { close(): void };

export interface ClientOptions {
  /** Applied when a call has no deadline of its own. */
  defaultTimeoutMs?: number;
  channelOptions?: ChannelOptions;
}

/** Is it an error status from grpc-js (it has a numeric `code`)? */
export function isGrpcError(err: unknown): err is GrpcError {
  return err instanceof Error && typeof (err as { code?: unknown }).code === 'number';
}

export function createClient<T extends GenServiceMethods>(service: GenService<T>, address: string, options: ClientOptions = {}): ServiceClient<T> {
  const client = new Client(address, credentials.createInsecure(), options.channelOptions);
  const out: Record<string, unknown> = { close: () => client.close() };
  for (const method of (service as unknown as { methods: DescMethod[] }).methods) {
    const path = `/${method.parent.typeName}/${method.name}`;
    const serialize = (m: MessageInitShape<DescMessage>) => Buffer.from(toBinary(method.input, create(method.input, m)));
    const deserialize = (b: Buffer) => fromBinary(method.output, b);
    if (method.methodKind === 'unary') {
      out[method.localName] = (request: MessageInitShape<DescMessage>, o: CallOptionsIn = {}) =>
        new Promise((resolve, reject) => {
          const call = client.makeUnaryRequest(path, serialize, deserialize, request, o.metadata ?? new Metadata(), callOptions(o, options), (err, res) =>
            err ? reject(err) : resolve(res),
          );
          wire(call, o);
        });
    } else if (method.methodKind === 'server_streaming') {
      out[method.localName] = (request: MessageInitShape<DescMessage>, o: CallOptionsIn = {}) => {
        const call = client.makeServerStreamRequest(path, serialize, deserialize, request, o.metadata ?? new Metadata(), callOptions(o, options));
        wire(call, o);
        return call as AsyncIterable<unknown>;
      };
    }
  }
  return out as ServiceClient<T>;
}

function callOptions(o: CallOptionsIn, defaults: ClientOptions): CallOptions {
  const now = Date.now();
  const set = [o.deadline, o.timeoutMs === undefined ? undefined : now + o.timeoutMs].filter((d): d is number => d !== undefined);
  const deadline = set.length > 0 ? Math.min(...set) : defaults.defaultTimeoutMs === undefined ? undefined : now + defaults.defaultTimeoutMs;
  return deadline === undefined ? {} : { deadline: new Date(deadline) };
}

function wire(call: NodeJS.EventEmitter & { cancel(): void }, o: CallOptionsIn): void {
  if (o.onHeader) call.on('metadata', o.onHeader);
  if (o.onTrailer) call.on('status', (s: { metadata: Metadata }) => o.onTrailer!(s.metadata));
  if (o.signal) {
    if (o.signal.aborted) call.cancel();
    else {
      const onAbort = () => call.cancel();
      o.signal.addEventListener('abort', onAbort, { once: true });
      call.on('status', () => o.signal!.removeEventListener('abort', onAbort));
    }
  }
}
