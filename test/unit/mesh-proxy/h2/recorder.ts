// An H2Handler that records every call, with optional reactions, for tests to wait on and assert.
import type { H2Handler, HeaderList } from '../../../../mesh-proxy/src/h2/index.js';

export type H2Event =
  | { type: 'headers'; id: number; headers: HeaderList; end: boolean }
  | { type: 'data'; id: number; data: Buffer; end: boolean }
  | { type: 'reset'; id: number; code: number }
  | { type: 'writable'; id: number }
  | { type: 'goaway'; last: number; code: number; debug: string }
  | { type: 'close'; err: Error | undefined };

type Of<T extends H2Event['type']> = Extract<H2Event, { type: T }>;

export class Recorder implements H2Handler {
  readonly events: H2Event[] = [];
  /** Reactions run after recording (e.g. answer a request). */
  on: Partial<H2Handler> = {};
  private waiters: Array<() => void> = [];

  onHeaders(id: number, headers: HeaderList, end: boolean, neverIndexed: readonly number[]): void {
    this.record({ type: 'headers', id, headers, end });
    this.on.onHeaders?.(id, headers, end, neverIndexed);
  }
  onData(id: number, data: Buffer, end: boolean): void {
    this.record({ type: 'data', id, data: Buffer.from(data), end });
    this.on.onData?.(id, data, end);
  }
  onReset(id: number, code: number): void {
    this.record({ type: 'reset', id, code });
    this.on.onReset?.(id, code);
  }
  onWritable(id: number): void {
    this.record({ type: 'writable', id });
    this.on.onWritable?.(id);
  }
  onGoaway(last: number, code: number, debug: string): void {
    this.record({ type: 'goaway', last, code, debug });
    this.on.onGoaway?.(last, code, debug);
  }
  onClose(err: Error | undefined): void {
    this.record({ type: 'close', err });
    this.on.onClose?.(err);
  }

  of<T extends H2Event['type']>(type: T): Array<Of<T>> {
    return this.events.filter((e): e is Of<T> => e.type === type);
  }

  /** Resolves with the first recorded event of `type` matching `pred`, past or future; rejects after `ms`. */
  async next<T extends H2Event['type']>(type: T, pred: (e: Of<T>) => boolean = () => true, ms = 5000): Promise<Of<T>> {
    const find = () => this.of(type).find(pred);
    await this.until(() => find() !== undefined, `no ${type} event`, ms);
    return find()!;
  }

  async until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!cond()) {
      if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 20).unref();
      });
    }
  }

  private record(e: H2Event): void {
    this.events.push(e);
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
