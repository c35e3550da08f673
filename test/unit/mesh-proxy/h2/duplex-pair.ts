// Two in-memory Duplex ends wired to each other, like a socket pair; one end can stop draining to play a peer that does not read.
import { Duplex } from 'node:stream';

export class PairEnd extends Duplex {
  other!: PairEnd;
  /** Write callbacks held while stalled: the writer's buffer grows as if the kernel's were full. */
  private held: Array<() => void> | undefined;

  override _read(): void {}

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    if (!this.other.destroyed) this.other.push(chunk);
    if (this.held !== undefined) this.held.push(() => callback());
    else callback();
  }

  override _final(callback: (err?: Error | null) => void): void {
    if (!this.other.destroyed) this.other.push(null);
    callback();
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    if (!this.other.destroyed && !this.other.readableEnded) this.other.push(null);
    this.held = undefined;
    callback(err);
  }

  /** Writes to this end stop completing (its writableLength grows, write() turns false). */
  stall(): void {
    this.held ??= [];
  }

  /** Completes the held writes: 'drain' follows if write() had said false. */
  unstall(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const cb of held) cb();
  }
}

export function duplexPair(): [PairEnd, PairEnd] {
  const a = new PairEnd();
  const b = new PairEnd();
  a.other = b;
  b.other = a;
  return [a, b];
}
