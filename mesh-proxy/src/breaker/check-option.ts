// Option validation that names the property and the value it refused.

export function checkOption(ok: boolean, name: string, expected: string, value: unknown): void {
  if (!ok) throw new RangeError(`${name} must be ${expected}, got ${String(value)}`);
}

export const isInteger = (v: number, min: number): boolean => Number.isInteger(v) && v >= min;
