// The admin endpoints: what each path answers, as plain data (status, content type, body), apart from HTTP plumbing.
import type { Registry } from 'prom-client';

/** A readiness answer: a boolean, or with the reasons it is not ready (shown by /ready). */
export type Readiness = boolean | { ready: boolean; reasons: readonly string[] };

export interface AdminSources {
  metrics: Registry;
  ready: () => Readiness;
  /** Endpoints, weights, breaker state, retry budget: any JSON-able snapshot. */
  clusters: () => unknown;
  /** The running ProxyConfig (or any JSON-able snapshot). */
  config: () => unknown;
}

export interface AdminResponse {
  status: number;
  contentType: string;
  body: string;
}

interface Route {
  description: string;
  handle: (sources: AdminSources) => AdminResponse | Promise<AdminResponse>;
}

const JSON_TYPE = 'application/json; charset=utf-8';
const TEXT_TYPE = 'text/plain; charset=utf-8';

export function json(status: number, value: unknown): AdminResponse {
  return { status, contentType: JSON_TYPE, body: `${JSON.stringify(value, jsonReplacer, 2)}\n` };
}

/** Sets and Maps (common in state snapshots) would otherwise serialize as {}. */
function jsonReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Set) return [...value];
  if (value instanceof Map) return Object.fromEntries(value);
  return value;
}

export const ROUTES: Readonly<Record<string, Route>> = {
  '/metrics': {
    description: 'Prometheus metrics (text exposition format 0.0.4)',
    handle: async ({ metrics }) => ({ status: 200, contentType: metrics.contentType, body: await metrics.metrics() }),
  },
  '/ready': {
    description: '200 "ready", or 503 with the reasons the sidecar is not ready',
    handle: ({ ready }) => {
      const answer = ready();
      const { ready: ok, reasons } = typeof answer === 'boolean' ? { ready: answer, reasons: [] } : answer;
      if (ok) return { status: 200, contentType: TEXT_TYPE, body: 'ready\n' };
      return { status: 503, contentType: TEXT_TYPE, body: ['not ready', ...reasons.map((r) => `- ${r}`)].join('\n') + '\n' };
    },
  },
  '/clusters': {
    description: 'Upstream clusters: endpoints, weights, breaker state, retry budget (JSON)',
    handle: ({ clusters }) => json(200, clusters()),
  },
  '/config': {
    description: 'The running proxy configuration (JSON)',
    handle: ({ config }) => json(200, config()),
  },
};

export function indexPage(): AdminResponse {
  return json(200, { endpoints: Object.fromEntries(Object.entries(ROUTES).map(([path, r]) => [path, r.description])) });
}
