// The sidecar's admin HTTP server (node:http): GET-only, loopback by default, answering from the routes table.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { indexPage, json, ROUTES, type AdminResponse, type AdminSources } from './routes.js';

export const DEFAULT_ADMIN_HOST = '127.0.0.1';

export interface AdminServerOptions extends AdminSources {
  /** Loopback by default: metrics and config are not for the network at large. */
  host?: string;
  /** 0 picks a free port. */
  port: number;
}

export interface AdminServer {
  readonly port: number;
  /** Stops listening and closes idle keep-alive connections; resolves once the server is closed. */
  close(): Promise<void>;
}

export async function startAdminServer(options: AdminServerOptions): Promise<AdminServer> {
  const host = options.host ?? DEFAULT_ADMIN_HOST;
  const server = createServer((req, res) => void respond(options, req, res));
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => reject(new Error(`admin server: cannot listen on ${host}:${options.port}: ${err.message}`, { cause: err }));
    server.once('error', onError);
    server.listen(options.port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  let closing: Promise<void> | undefined;
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      })),
  };
}

async function respond(sources: AdminSources, req: IncomingMessage, res: ServerResponse): Promise<void> {
  let answer: AdminResponse;
  const path = new URL(req.url ?? '/', 'http://admin').pathname;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    // RFC 9110 §15.5.6: a 405 lists the methods the resource supports.
    res.setHeader('Allow', 'GET, HEAD');
    answer = json(405, { error: 'method not allowed', method: req.method, allowed: ['GET', 'HEAD'] });
  } else if (path === '/') {
    answer = indexPage();
  } else {
    const route = Object.hasOwn(ROUTES, path) ? ROUTES[path] : undefined;
    try {
      answer = route ? await route.handle(sources) : json(404, { error: 'not found', path, endpoints: ['/', ...Object.keys(ROUTES)] });
    } catch (err) {
      answer = json(500, { error: `${path} failed`, message: err instanceof Error ? err.message : String(err) });
    }
  }
  res.writeHead(answer.status, { 'Content-Type': answer.contentType, 'Cache-Control': 'no-store' });
  res.end(answer.body);
}
