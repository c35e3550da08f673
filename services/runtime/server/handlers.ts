// Typed handler signatures derived from a protobuf-es service descriptor, one per method kind.
import type { DescMessage, DescMethod, MessageInitShape, MessageShape } from '@bufbuild/protobuf';
import type { GenService, GenServiceMethods } from '@bufbuild/protobuf/codegenv2';
import type { CallContext } from './call-context.js';

type MethodShape = Pick<DescMethod, 'input' | 'output' | 'methodKind'>;
type In<M extends MethodShape> = M['input'] extends DescMessage ? MessageShape<M['input']> : never;
type Out<M extends MethodShape> = M['output'] extends DescMessage ? MessageInitShape<M['output']> : never;

export type UnaryHandler<M extends MethodShape> = (request: In<M>, ctx: CallContext) => Promise<Out<M>>;
export type ServerStreamingHandler<M extends MethodShape> = (request: In<M>, ctx: CallContext) => AsyncIterable<Out<M>>;
export type ClientStreamingHandler<M extends MethodShape> = (requests: AsyncIterable<In<M>>, ctx: CallContext) => Promise<Out<M>>;
export type BidiStreamingHandler<M extends MethodShape> = (requests: AsyncIterable<In<M>>, ctx: CallContext) => AsyncIterable<Out<M>>;

export type HandlerFor<M extends MethodShape> = M['methodKind'] extends 'unary'
  ? UnaryHandler<M>
  : M['methodKind'] extends 'server_streaming'
    ? ServerStreamingHandler<M>
    : M['methodKind'] extends 'client_streaming'
      ? ClientStreamingHandler<M>
      : BidiStreamingHandler<M>;

/** One handler per method of the service, named by the method's localName (getProduct). */
export type ServiceImpl<T extends GenServiceMethods> = { [K in keyof T]: HandlerFor<T[K]> };

/** A service descriptor paired with its implementation, ready to add to a server. */
export interface ServiceBinding {
  readonly service: GenService<GenServiceMethods>;
  readonly impl: Record<string, (...args: never[]) => unknown>;
}

export function bind<T extends GenServiceMethods>(service: GenService<T>, impl: ServiceImpl<T>): ServiceBinding {
  return { service: service as unknown as GenService<GenServiceMethods>, impl: impl as unknown as ServiceBinding['impl'] };
}
