// Deterministic Random sources for balancer tests (not a test file).
import type { Random } from '../../../../mesh-proxy/src/clock.js';

/** mulberry32: a fixed sequence of uniform numbers in [0, 1) per seed. */
export function seeded(seed: number): Random {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Returns the given values in order and fails the test if asked for more. */
export function scripted(...values: number[]): Random & { readonly used: number } {
  let i = 0;
  const next = () => {
    const v = values[i];
    if (v === undefined) throw new Error(`scripted random: asked for value #${i + 1}, only ${values.length} given`);
    i++;
    return v;
  };
  return Object.defineProperty(next, 'used', { get: () => i }) as Random & { readonly used: number };
}

export interface Endpoint {
  readonly id: string;
  readonly weight: number;
}

export const ep = (id: string, weight = 1): Endpoint => ({ id, weight });

export function countPicks(pick: () => Endpoint | undefined, times: number): Record<string, number> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < times; i++) {
    const id = pick()?.id ?? 'none';
    counts[id] = (counts[id] ?? 0) + 1;
  }
  return counts;
}
