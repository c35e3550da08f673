// Callers' deadlines, enforced by the proxy: one timer per listener, armed for the earliest deadline of an indexed min-heap.
//
// gRPC PROTOCOL-HTTP2: grpc-timeout is the caller's deadline. The relay passes the time left on (forward-headers.ts),
// and usually the caller resets the stream at its deadline or the server gives up on its own, but neither is
// guaranteed (a raw HTTP/2 caller, a server stack that ignores grpc-timeout, the per-upstream request timeout that
// only the proxy knows). Without this backstop such a call would keep the upstream working forever.
// Cost on the hot path: O(log n) to add and to remove a call; no timer per call.
import type { Clock } from '../clock.js';

/** What the heap holds (a Call). */
export interface Expirable {
  /** Absolute deadline, epoch ms, on the clock given to Deadlines. */
  readonly deadline: number | undefined;
  /** Index in the heap, -1 when not in it: owned by Deadlines. */
  deadlineSlot: number;
  expire(): void;
}

const noop = () => {};

export class Deadlines {
  private readonly heap: Expirable[] = [];
  /** The armed timer and the deadline it is for (Infinity: none armed). */
  private timer: AbortController | undefined;
  private armedFor = Infinity;
  private closed = false;

  constructor(private readonly clock: Clock) {}

  /** Calls waiting for their deadline. */
  get size(): number {
    return this.heap.length;
  }

  add(item: Expirable): void {
    const at = item.deadline;
    if (at === undefined || item.deadlineSlot >= 0 || this.closed) return;
    item.deadlineSlot = this.heap.length;
    this.heap.push(item);
    this.siftUp(item.deadlineSlot);
    if (at < this.armedFor) this.arm(at);
  }

  /** The call ended before its deadline. The timer stays armed: if it was for this call, it wakes once for nothing (cheaper than re-arming on every end). */
  remove(item: Expirable): void {
    const i = item.deadlineSlot;
    if (i < 0) return;
    item.deadlineSlot = -1;
    const last = this.heap.pop()!;
    if (i === this.heap.length) return;
    this.heap[i] = last;
    last.deadlineSlot = i;
    this.siftDown(i);
    this.siftUp(last.deadlineSlot);
  }

  /** Stops the timer; calls still in the heap are left to whoever closes them. */
  close(): void {
    this.closed = true;
    this.timer?.abort();
    this.timer = undefined;
    this.armedFor = Infinity;
  }

  private arm(at: number): void {
    this.timer?.abort();
    const timer = new AbortController();
    this.timer = timer;
    this.armedFor = at;
    this.clock.sleep(Math.max(0, at - this.clock.now()), timer.signal).then(() => {
      if (this.timer !== timer) return;
      this.timer = undefined;
      this.armedFor = Infinity;
      this.fire();
    }, noop);
  }

  private fire(): void {
    const now = this.clock.now();
    const heap = this.heap;
    while (heap.length > 0 && heap[0]!.deadline! <= now) {
      const item = heap[0]!;
      this.remove(item);
      try {
        item.expire();
      } catch {
        // One call failing to answer (its connection just died) must not leave the others unexpired.
      }
    }
    if (heap.length > 0 && !this.closed) this.arm(heap[0]!.deadline!);
  }

  private siftUp(i: number): void {
    const heap = this.heap;
    const item = heap[i]!;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent]!;
      if (p.deadline! <= item.deadline!) break;
      heap[i] = p;
      p.deadlineSlot = i;
      i = parent;
    }
    heap[i] = item;
    item.deadlineSlot = i;
  }

  private siftDown(i: number): void {
    const heap = this.heap;
    const n = heap.length;
    const item = heap[i]!;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && heap[child + 1]!.deadline! < heap[child]!.deadline!) child++;
      const c = heap[child]!;
      if (item.deadline! <= c.deadline!) break;
      heap[i] = c;
      c.deadlineSlot = i;
      i = child;
    }
    heap[i] = item;
    item.deadlineSlot = i;
  }
}
