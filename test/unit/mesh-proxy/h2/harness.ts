// Puts an H2Connection on one end of an in-memory pair and a RawPeer on the other; tears both down.
import type { ExecutionContext } from 'ava';
import { H2Connection, type H2ConnectionOptions } from '../../../../mesh-proxy/src/h2/index.js';
import { type PairEnd, duplexPair } from './duplex-pair.js';
import { RawPeer } from './raw-peer.js';
import { Recorder } from './recorder.js';

export interface Harness {
  conn: H2Connection;
  rec: Recorder;
  peer: RawPeer;
  /** The engine's end of the pair. */
  ours: PairEnd;
}

/** An engine in `role` facing a raw peer; it is started, the peer has not said anything yet. Closed in teardown. */
export function harness(t: ExecutionContext, role: 'client' | 'server', options: Partial<H2ConnectionOptions> = {}): Harness {
  const [ours, theirs] = duplexPair();
  const rec = new Recorder();
  const conn = new H2Connection(ours, rec, { role, ...options });
  const peer = new RawPeer(theirs, role === 'client');
  conn.start();
  t.teardown(async () => {
    conn.close();
    theirs.destroy();
    ours.destroy();
    await Promise.race([conn.closed, new Promise((r) => setTimeout(r, 2000))]);
  });
  return { conn, rec, peer, ours };
}

/** A server engine after a complete handshake with the raw client. */
export async function openServer(t: ExecutionContext, options: Partial<H2ConnectionOptions> = {}, peerSettings: ReadonlyArray<readonly [number, number]> = []): Promise<Harness> {
  const h = harness(t, 'server', options);
  h.peer.handshake(peerSettings);
  await h.conn.ready;
  await h.peer.settle();
  return h;
}

/** A client engine after a complete handshake with the raw server. */
export async function openClient(t: ExecutionContext, options: Partial<H2ConnectionOptions> = {}, peerSettings: ReadonlyArray<readonly [number, number]> = []): Promise<Harness> {
  const h = harness(t, 'client', options);
  h.peer.handshake(peerSettings, false);
  await h.conn.ready;
  await h.peer.settle();
  return h;
}

/** Resolves with what onClose got; fails after `ms`. */
export async function closedWith(h: Harness, ms = 3000): Promise<Error | undefined> {
  const e = await h.rec.next('close', () => true, ms);
  return e.err;
}
