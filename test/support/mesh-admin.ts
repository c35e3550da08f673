// Reading a sidecar's admin port in tests: Prometheus series summed by label, and /clusters typed.
import type { SidecarProcess } from './mesh.js';

/** One endpoint in /clusters (see mesh-proxy/src/outbound/cluster.ts snapshot()). */
export interface ClusterEndpoint {
  id: string;
  address: string;
  weight: number;
  serviceId: string;
  outlier: { state: 'healthy' | 'ejected' | 'probing'; consecutiveFailures: number; ejections: number; ejectedUntil?: number } | null;
  connections: number;
  activeStreams: number;
}

export interface UpstreamCluster {
  name: string;
  balancer: string;
  stale: boolean;
  updatedAt: string | null;
  limits: { active: number; pending: number; shedMaxActive: number; shedMaxPending: number };
  retryBudget: { activeRequests: number; activeRetries: number; allowed: number; refused: number };
  endpoints: ClusterEndpoint[];
  discovery: { stale: boolean; lastIndex: number; lastError: string | null };
}

export async function clusterOf(sidecar: SidecarProcess, upstream: string): Promise<UpstreamCluster> {
  const { status, body } = await sidecar.admin('/clusters');
  if (status !== 200) throw new Error(`/clusters answered ${status}: ${body}`);
  const found = (JSON.parse(body) as { upstreams: UpstreamCluster[] }).upstreams.find((u) => u.name === upstream);
  if (found === undefined) throw new Error(`no upstream ${upstream} in /clusters: ${body}`);
  return found;
}

/** The sum of every series of `name` whose labels include `labels` (0 when there is none). */
export function metricSum(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const m = /^[^{\s]+(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    if (m === null) continue;
    const have = new Map<string, string>();
    for (const pair of (m[1] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) have.set(pair[1]!, pair[2]!);
    if (Object.entries(labels).every(([k, v]) => have.get(k) === v)) sum += Number(m[2]);
  }
  return sum;
}

/** Scrapes /metrics and sums `name` over the series matching `labels`. */
export async function metric(sidecar: SidecarProcess, name: string, labels: Record<string, string> = {}): Promise<number> {
  const { body } = await sidecar.admin('/metrics');
  return metricSum(body, name, labels);
}
