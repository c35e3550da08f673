// Accepts HTTP/2 (h2c) connections on one port and hands their streams to a CallFactory; drains on close.
import { createServer, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { systemClock, type Clock } from '../clock.js';
import { H2Connection, type H2ConnectionOptions } from '../h2/index.js';
import { Deadlines } from './deadlines.js';
import { DownstreamLink, type CallFactory } from './links.js';

export interface ListenerOptions {
  host: string;
  port: number;
  factory: CallFactory;
  h2?: Omit<H2ConnectionOptions, 'role'>;
  /** Wraps an accepted socket (TLS termination comes in here); identity by default. */
  accept?: (socket: Socket) => Duplex | Promise<Duplex>;
  onConnections?: (delta: number) => void;
  /** The clock of callers' deadlines: the one the factory computes them with. systemClock by default. */
  clock?: Clock;
}

export class Listener {
  private readonly server: Server;
  private readonly links = new Set<DownstreamLink>();
  /** One deadline timer for every call on every connection of this listener. */
  private readonly deadlines: Deadlines;
  private boundPort = 0;

  constructor(private readonly options: ListenerOptions) {
    this.deadlines = new Deadlines(options.clock ?? systemClock);
    this.server = createServer({ noDelay: true }, (socket) => void this.onSocket(socket));
  }

  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.removeListener('error', reject);
        this.boundPort = (this.server.address() as { port: number }).port;
        resolve(this.boundPort);
      });
    });
  }

  get port(): number {
    return this.boundPort;
  }

  get connectionCount(): number {
    return this.links.size;
  }

  /** Open calls over all connections. */
  get activeCalls(): number {
    let n = 0;
    for (const link of this.links) n += link.calls.size;
    return n;
  }

  /**
   * Graceful close: stop accepting, GOAWAY every connection so clients open no new streams,
   * wait for open calls up to graceMs, then close what is left.
   */
  async close(graceMs: number): Promise<void> {
    const stopped = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const link of this.links) link.conn.goaway();
    const until = Date.now() + graceMs;
    while (this.activeCalls > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    for (const link of [...this.links]) link.conn.close();
    this.deadlines.close();
    await stopped;
  }

  private async onSocket(socket: Socket): Promise<void> {
    socket.on('error', () => undefined); // the H2 connection reports the close; a reset peer is not our crash
    let transport: Duplex;
    try {
      transport = this.options.accept ? await this.options.accept(socket) : socket;
    } catch {
      socket.destroy();
      return;
    }
    const link = new DownstreamLink(
      {
        newCall: (l, id, headers, end) => this.options.factory.newCall(l, id, headers, end),
        closed: (l, err) => {
          this.links.delete(l);
          this.options.onConnections?.(-1);
          this.options.factory.closed?.(l, err);
        },
      },
      this.deadlines,
    );
    link.conn = new H2Connection(transport, link, { ...this.options.h2, role: 'server' });
    this.links.add(link);
    this.options.onConnections?.(1);
    link.conn.start();
  }
}
