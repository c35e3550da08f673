// What the encoder knows about a header name before it looks at its dynamic table, in one map lookup.

import { type IndexingPolicy, indexingPolicy, NAMES_WITH_POLICY } from './indexing-policy.js';
import { STATIC_TABLE } from './static-table.js';

export interface NameTraits {
  readonly policy: IndexingPolicy;
  /** The first static-table index with this name (a literal's name index), or 0. */
  readonly staticIndex: number;
  /**
   * Static index by value, when the static table lists a non-empty value for this name
   * (:method, :path, :scheme, :status, accept-encoding). Otherwise undefined, and only the
   * empty value matches, at staticIndex.
   */
  readonly staticValues: ReadonlyMap<string, number> | undefined;
}

const KNOWN: ReadonlyMap<string, NameTraits> = (() => {
  const indices = new Map<string, Map<string, number>>();
  STATIC_TABLE.forEach(([name, value], i) => {
    const values = indices.get(name) ?? new Map<string, number>();
    if (!values.has(value)) values.set(value, i + 1);
    indices.set(name, values);
  });
  const known = new Map<string, NameTraits>();
  for (const name of new Set([...indices.keys(), ...NAMES_WITH_POLICY])) {
    const values = indices.get(name);
    known.set(name, {
      policy: indexingPolicy(name),
      staticIndex: values === undefined ? 0 : Math.min(...values.values()),
      staticValues: values === undefined || (values.size === 1 && values.has('')) ? undefined : values,
    });
  }
  return known;
})();

// Names outside the static table and the policy list: custom metadata, and binary metadata.
const UNKNOWN: NameTraits = { policy: indexingPolicy('x-custom'), staticIndex: 0, staticValues: undefined };
const UNKNOWN_BINARY: NameTraits = { policy: indexingPolicy('x-custom-bin'), staticIndex: 0, staticValues: undefined };

export function nameTraits(name: string): NameTraits {
  return KNOWN.get(name) ?? (name.endsWith('-bin') ? UNKNOWN_BINARY : UNKNOWN);
}

/** The static index of the whole field (name and value), or 0. */
export function staticFieldIndex(traits: NameTraits, value: string): number {
  if (traits.staticValues !== undefined) return traits.staticValues.get(value) ?? 0;
  return value === '' ? traits.staticIndex : 0;
}
