// What a handler knows about the call it serves: who, which method, until when, and how to stop.
import type { Metadata } from '@grpc/grpc-js';
import type { DescMethod } from '@bufbuild/protobuf';
import type { Logger } from '../log.js';

/** A typed slot interceptors fill for handlers (the caller's identity, the tenant...). */
export interface ContextKey<T> {
  readonly id: symbol;
  readonly defaultValue: T;
}

export function createContextKey<T>(defaultValue: T, description: string): ContextKey<T> {
  return { id: Symbol(description), defaultValue };
}

export class ContextValues {
  private readonly values = new Map<symbol, unknown>();
  get<T>(key: ContextKey<T>): T {
    return this.values.has(key.id) ? (this.values.get(key.id) as T) : key.defaultValue;
  }
  set<T>(key: ContextKey<T>, value: T): this {
    this.values.set(key.id, value);
    return this;
  }
}

export interface CallContext {
  readonly method: DescMethod;
  /** "/shop.catalog.v1.CatalogService/GetProduct". */
  readonly path: string;
  /** From the caller's x-request-id when it sent a sane one, else generated; echoed back. */
  readonly requestId: string;
  /** Request metadata as received. */
  readonly metadata: Metadata;
  /** Aborts when the caller cancels, the deadline passes or the server stops; its reason is a ServiceError. */
  readonly signal: AbortSignal;
  /** Absolute deadline in epoch ms, when the caller set one (grpc-timeout). */
  readonly deadline: number | undefined;
  readonly peer: string;
  /** Sent before the first response message; add to it before returning. */
  readonly responseHeaders: Metadata;
  /** Sent with the status. */
  readonly responseTrailers: Metadata;
  /** A child logger carrying requestId and method. */
  readonly log: Logger;
  readonly values: ContextValues;
}

/** Milliseconds left before the deadline (Infinity without one), for passing deadlines on. */
export function remainingMs(ctx: Pick<CallContext, 'deadline'>, now: number = Date.now()): number {
  return ctx.deadline === undefined ? Infinity : Math.max(0, ctx.deadline - now);
}
