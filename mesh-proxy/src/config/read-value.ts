// Readers for one setting each: they return the value or the default, or throw a ConfigError naming the path.
import { ConfigError, show } from './config-error.js';

export type Raw = Readonly<Record<string, unknown>>;

/**
 * An object whose keys must all be known. Keys are camelCase, one spelling only; a snake_case spelling of a
 * known key gets a hint rather than being silently accepted.
 */
export function readObject(raw: unknown, path: string, known: readonly string[], ignored: (key: string) => boolean = () => false): Raw {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError(path, `expected an object, got ${show(raw)}`);
  const unknown = Object.keys(raw).filter((k) => !known.includes(k) && !ignored(k));
  if (unknown.length > 0) {
    const described = unknown.map((k) => {
      const camel = k.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
      return camel !== k && known.includes(camel) ? `"${k}" (did you mean "${camel}"?)` : `"${k}"`;
    });
    throw new ConfigError(path, `unknown key${unknown.length > 1 ? 's' : ''} ${described.join(', ')} (known: ${known.join(', ')})`);
  }
  return raw as Raw;
}

export function readInt(raw: Raw, key: string, path: string, fallback: number, range: { min: number; max?: number }): number {
  const v = raw[key];
  if (v === undefined) return fallback;
  const ok = typeof v === 'number' && Number.isInteger(v) && v >= range.min && (range.max === undefined || v <= range.max);
  if (!ok) throw new ConfigError(`${path}.${key}`, `expected ${intKind(range)}, got ${show(v)}`);
  return v;
}

function intKind({ min, max }: { min: number; max?: number }): string {
  if (max !== undefined) return `an integer from ${min} to ${max}`;
  if (min === 0) return 'a non-negative integer';
  if (min === 1) return 'a positive integer';
  return `an integer of at least ${min}`;
}

export function readNumber(raw: Raw, key: string, path: string, fallback: number, range: { min: number; max: number }): number {
  const v = raw[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < range.min || v > range.max) {
    throw new ConfigError(`${path}.${key}`, `expected a number from ${range.min} to ${range.max}, got ${show(v)}`);
  }
  return v;
}

export function readBool(raw: Raw, key: string, path: string, fallback: boolean): boolean {
  const v = raw[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'boolean') throw new ConfigError(`${path}.${key}`, `expected true or false, got ${show(v)}`);
  return v;
}

export function readOneOf<T extends string>(raw: Raw, key: string, path: string, fallback: T, allowed: readonly T[]): T {
  const v = raw[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw new ConfigError(`${path}.${key}`, `expected one of ${allowed.map((a) => `"${a}"`).join(', ')}, got ${show(v)}`);
  }
  return v as T;
}

/** Two settings that bound each other (base <= max), checked after both are read. */
export function requireOrdered(path: string, lowKey: string, low: number, highKey: string, high: number): void {
  if (low > high) throw new ConfigError(`${path}.${lowKey}`, `must not exceed ${highKey} (${high}), got ${low}`);
}

export function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object' && !Object.isFrozen(v)) {
    for (const child of Object.values(v)) deepFreeze(child);
    Object.freeze(v);
  }
  return v;
}
