// Bounds the requests in flight to one upstream and those waiting for a slot, so an overloaded upstream sheds load at the sidecar instead of queueing it without limit.

import { checkOption, isInteger } from './check-option.js';
import { Overloaded } from './overloaded.js';

/** Requests in flight to one upstream (Envoy's `max_requests` circuit-breaker default). */
export const DEFAULT_MAX_ACTIVE = 1024;
/** Requests waiting for a slot (Envoy's `max_pending_requests` default); past it, requests are shed. */
export const DEFAULT_MAX_PENDING = 1024;

/** Gives the slot back; calling it again does nothing. */
export type Release = () => void;

export interface ConcurrencyLimiterOptions {
  maxActive?: number;
  /** 0 disables waiting: a request that finds no free slot is shed with reason 'max_active'. */
  maxPending?: number;
}

export interface LimiterStats {
  readonly active: number;
  readonly pending: number;
  /** Requests shed, by the limit that refused them. */
  readonly shedMaxActive: number;
  readonly shedMaxPending: number;
  /** Waiters whose signal aborted (deadline or cancellation) before they got a slot. */
  readonly abandoned: number;
}

interface Waiter {
  resolve: (release: Release) => void;
  reject: (reason: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  prev: Waiter | undefined;
  next: Waiter | undefined;
}

/**
 * `acquire` returns a Release at once when a slot is free (no Promise on the fast path), a Promise when
 * the request must wait, and throws `Overloaded` when the queue is full. Waiters are served FIFO; a
 * released slot passes straight to the oldest waiter, so a newcomer never overtakes the queue. A waiter
 * leaves the queue when its signal aborts: pass one that aborts at the request's deadline.
 */
export class ConcurrencyLimiter {
  readonly maxActive: number;
  readonly maxPending: number;
  private active = 0;
  private pending = 0;
  private head: Waiter | undefined;
  private tail: Waiter | undefined;
  private shedMaxActive = 0;
  private shedMaxPending = 0;
  private abandoned = 0;

  constructor(options: ConcurrencyLimiterOptions = {}) {
    const { maxActive = DEFAULT_MAX_ACTIVE, maxPending = DEFAULT_MAX_PENDING } = options;
    checkOption(isInteger(maxActive, 1), 'maxActive', 'an integer ≥ 1', maxActive);
    checkOption(isInteger(maxPending, 0), 'maxPending', 'an integer ≥ 0', maxPending);
    this.maxActive = maxActive;
    this.maxPending = maxPending;
  }

  /**
   * A slot for one request, or `Overloaded` (thrown, synchronously) when none is free and the queue is
   * full. Throws the signal's reason when it has already aborted; the promise rejects with it when it
   * aborts while waiting. Once a slot is granted it is the caller's until it calls Release.
   */
  acquire(signal?: AbortSignal): Release | Promise<Release> {
    if (signal?.aborted) throw signal.reason;
    if (this.active < this.maxActive) {
      this.active++;
      return this.releaser();
    }
    if (this.pending >= this.maxPending) {
      if (this.maxPending === 0) {
        this.shedMaxActive++;
        throw new Overloaded('max_active', this.maxActive);
      }
      this.shedMaxPending++;
      throw new Overloaded('max_pending', this.maxPending);
    }
    return new Promise<Release>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, signal, onAbort: undefined, prev: this.tail, next: undefined };
      if (signal !== undefined) {
        waiter.onAbort = () => {
          this.unlink(waiter);
          this.abandoned++;
          reject(signal.reason);
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      if (this.tail === undefined) this.head = waiter;
      else this.tail.next = waiter;
      this.tail = waiter;
      this.pending++;
    });
  }

  stats(): LimiterStats {
    return {
      active: this.active,
      pending: this.pending,
      shedMaxActive: this.shedMaxActive,
      shedMaxPending: this.shedMaxPending,
      abandoned: this.abandoned,
    };
  }

  private releaser(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.releaseSlot();
    };
  }

  private releaseSlot(): void {
    const waiter = this.head;
    if (waiter === undefined) {
      this.active--;
      return;
    }
    // The slot changes hands without being freed: `active` stays, and no newcomer can take it meanwhile.
    this.unlink(waiter);
    if (waiter.onAbort !== undefined) waiter.signal?.removeEventListener('abort', waiter.onAbort);
    waiter.resolve(this.releaser());
  }

  private unlink(w: Waiter): void {
    if (w.prev === undefined) this.head = w.next;
    else w.prev.next = w.next;
    if (w.next === undefined) this.tail = w.prev;
    else w.next.prev = w.prev;
    w.prev = w.next = undefined;
    this.pending--;
  }
}
