// Interceptors wrap every call as an onion: (next) => (ctx) => ..., outermost first.
import type { CallContext } from './call-context.js';

/** Runs the rest of the call: later interceptors, then the handler and the sending of its responses. */
export type CallHandler = (ctx: CallContext) => Promise<void>;

export type Interceptor = (next: CallHandler) => CallHandler;

/** Composes interceptors so that the first one listed runs first. */
export function chain(interceptors: readonly Interceptor[], core: CallHandler): CallHandler {
  return interceptors.reduceRight<CallHandler>((next, interceptor) => interceptor(next), core);
}
