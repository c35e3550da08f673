// Collects every bad field of a request, so one INVALID_ARGUMENT names them all.
import { invalidArgument, type FieldViolation } from '../errors/index.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class Violations {
  private readonly list: FieldViolation[] = [];

  add(field: string, description: string): this {
    this.list.push({ field, description });
    return this;
  }

  /** Adds the violation when `ok` is false; returns ok so checks can be chained. */
  check(ok: boolean, field: string, description: string): boolean {
    if (!ok) this.add(field, description);
    return ok;
  }

  /** What has been collected so far, in order. */
  get all(): readonly FieldViolation[] {
    return this.list;
  }

  get empty(): boolean {
    return this.list.length === 0;
  }

  /** Throws INVALID_ARGUMENT naming every collected field (call after add()). */
  fail(): never {
    throw invalidArgument(this.list);
  }

  /** Throws INVALID_ARGUMENT naming every collected field, if there is any. */
  throwIfAny(): void {
    if (this.list.length > 0) throw invalidArgument(this.list);
  }

  requireUuid(value: string, field: string): boolean {
    if (value === '') return this.check(false, field, 'is required');
    return this.check(UUID.test(value), field, 'must be a UUID');
  }

  /** A string of `min`-`max` characters (code points), after trimming when `trim`. */
  requireText(value: string, field: string, min: number, max: number): boolean {
    const length = [...value.trim()].length;
    if (min > 0 && length === 0) return this.check(false, field, 'is required');
    return this.check(length >= min && length <= max, field, `must be ${min}-${max} characters`);
  }
}

export function isUuid(value: string): boolean {
  return UUID.test(value);
}
