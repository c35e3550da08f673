// The HTTP/2 connections to one endpoint: reused while they have stream capacity, replaced when they go away.
import { H2Connection, type H2ConnectionOptions } from '../h2/index.js';
import { UpstreamLink, type UpstreamEvents } from '../relay/links.js';
import type { Dialer } from './dialer.js';

export interface EndpointPoolOptions {
  dialer: Dialer;
  connectTimeoutMs: number;
  /** Settings of the client-role connections (role is set here). */
  h2?: Omit<H2ConnectionOptions, 'role'>;
  /** Connection count changes, for the connections gauge. */
  onConnections?: (delta: number) => void;
}

export class EndpointPool implements UpstreamEvents {
  private readonly links: UpstreamLink[] = [];
  private connecting: Promise<UpstreamLink> | undefined;
  private closed = false;

  constructor(
    readonly endpointId: string,
    readonly host: string,
    readonly port: number,
    private readonly options: EndpointPoolOptions,
  ) {}

  /**
   * A connection that can open a stream now, or the promise of a new one (rejects with a
   * ConnectError). Synchronous on the hot path: no promise when a connection has room.
   */
  acquire(): UpstreamLink | Promise<UpstreamLink> {
    for (let i = 0; i < this.links.length; i++) {
      const link = this.links[i]!;
      if (!link.draining && link.conn.canOpenStream()) return link;
    }
    if (this.closed) return Promise.reject(new Error(`endpoint ${this.endpointId} was removed`));
    this.connecting ??= this.connect().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  get connectionCount(): number {
    return this.links.length;
  }

  /** Open streams over all connections. */
  get activeStreams(): number {
    let n = 0;
    for (const link of this.links) n += link.calls.size;
    return n;
  }

  unusable(link: UpstreamLink): void {
    const i = this.links.indexOf(link);
    if (i < 0) return;
    this.links.splice(i, 1);
    this.options.onConnections?.(-1);
  }

  /** The endpoint left discovery: no new streams; each connection closes once its streams are done. */
  drain(): void {
    this.closed = true;
    for (const link of [...this.links]) link.conn.goaway();
  }

  /** Closes every connection now. */
  close(): void {
    this.closed = true;
    for (const link of [...this.links]) link.conn.close();
  }

  private async connect(): Promise<UpstreamLink> {
    const socket = await this.options.dialer(this.host, this.port, this.options.connectTimeoutMs);
    const link = new UpstreamLink(this.endpointId, this);
    link.conn = new H2Connection(socket, link, { ...this.options.h2, role: 'client' });
    link.conn.start();
    if (this.closed) {
      link.draining = true;
      link.conn.goaway();
    } else {
      this.links.push(link);
      this.options.onConnections?.(1);
    }
    return link;
  }
}
