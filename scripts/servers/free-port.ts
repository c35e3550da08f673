// Picks loopback ports that are free right now (for both TCP and UDP: Consul's DNS and Serf use both).
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';

const MAX_TRIES = 50;

// Ports handed out by this process are not handed out again, so a server asking for six ports at once
// (Consul) or two servers starting side by side never get the same one before either has bound it.
const handedOut = new Set<number>();

/** A free TCP (and UDP) port on 127.0.0.1. Another process may still take it: starts retry on a clash. */
export async function freePort(): Promise<number> {
  for (let i = 0; i < MAX_TRIES; i++) {
    const port = await ephemeralTcpPort();
    if (handedOut.has(port) || !(await udpPortFree(port))) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`no free port found on 127.0.0.1 after ${MAX_TRIES} tries`);
}

function ephemeralTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('listen gave no port'))));
    });
  });
}

function udpPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.unref();
    socket.once('error', () => {
      socket.close();
      resolve(false);
    });
    socket.bind({ address: '127.0.0.1', port, exclusive: true }, () => socket.close(() => resolve(true)));
  });
}
