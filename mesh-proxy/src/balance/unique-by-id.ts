// Copies a discovery update into an array the balancer owns, keeping the first endpoint of each id.

import type { Weighted } from './weighted.js';

/** Consul never reports one service id twice; if a caller does, the first wins so state stays one-per-id. */
export function uniqueById<E extends Weighted>(endpoints: readonly E[]): E[] {
  const seen = new Set<string>();
  const out: E[] = [];
  for (const e of endpoints) {
    if (seen.has(e.id)) continue;
    seen.add(e.id);
    out.push(e);
  }
  return out;
}
