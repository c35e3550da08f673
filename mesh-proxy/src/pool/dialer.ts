// How the proxy opens a transport to an endpoint: plain TCP (h2c) here; mTLS slots in as another Dialer.
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/** Opens a connected transport or rejects (refused, unreachable, timed out). */
export type Dialer = (host: string, port: number, timeoutMs: number) => Promise<Duplex>;

/** A connect failure, named for the log line and the grpc-message a caller may see. */
export class ConnectError extends Error {
  override readonly name = 'ConnectError';
  constructor(
    readonly target: string,
    readonly reason: string,
  ) {
    super(`connect to ${target} failed: ${reason}`);
  }
}

export const tcpDialer: Dialer = (host, port, timeoutMs) =>
  new Promise((resolve, reject) => {
    const target = `${host}:${port}`;
    const socket: Socket = connect({ host, port, noDelay: true });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new ConnectError(target, `no connection within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new ConnectError(target, err.code ?? err.message));
    });
  });
