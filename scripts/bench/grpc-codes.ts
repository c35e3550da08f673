// Calls a sidecar counted by gRPC code (its /metrics): how the bench counts grpc-status, which h2load cannot see.
import type { Direction } from '../../mesh-proxy/src/telemetry/metrics.js';

export type CodeCounts = Map<string, number>;

const SERIES = /^meshproxy_requests_total\{([^}]*)\} (\d+(?:\.\d+)?(?:e\+\d+)?)$/gm;

/** meshproxy_requests_total of one direction, summed by grpc_code. */
export async function callsByCode(adminPort: number, direction: Direction): Promise<CodeCounts> {
  const res = await fetch(`http://127.0.0.1:${adminPort}/metrics`, { signal: AbortSignal.timeout(5_000) });
  if (!res.ok) throw new Error(`GET /metrics on admin port ${adminPort}: ${res.status}`);
  const text = await res.text();
  const counts: CodeCounts = new Map();
  for (const m of text.matchAll(SERIES)) {
    const labels = m[1]!;
    if (!labels.includes(`direction="${direction}"`)) continue;
    const code = /grpc_code="([^"]*)"/.exec(labels)?.[1] ?? '?';
    counts.set(code, (counts.get(code) ?? 0) + Number(m[2]));
  }
  return counts;
}

/** Calls per code between two readings; `notOk` is every code but OK. */
export function codesBetween(before: CodeCounts, after: CodeCounts): { ok: number; notOk: number; byCode: CodeCounts } {
  const byCode: CodeCounts = new Map();
  let ok = 0;
  let notOk = 0;
  for (const [code, n] of after) {
    const d = n - (before.get(code) ?? 0);
    if (d === 0) continue;
    byCode.set(code, d);
    if (code === 'OK') ok += d;
    else notOk += d;
  }
  return { ok, notOk, byCode };
}
