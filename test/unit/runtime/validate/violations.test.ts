import test from 'ava';
import { Code, ServiceError } from '../../../../services/runtime/errors/index.js';
import { Violations, isUuid } from '../../../../services/runtime/validate/index.js';

const UUID = '0b6f8c2e-5d1a-4c3b-9e7f-2a1b3c4d5e6f';

/** What throwIfAny threw, as field → description pairs. */
function thrown(v: Violations): Array<[string, string]> {
  try {
    v.throwIfAny();
  } catch (err) {
    if (!(err instanceof ServiceError)) throw err;
    return err.violations.map((x) => [x.field, x.description]);
  }
  return [];
}

test('violations - none collected: empty, and throwIfAny does not throw', (t) => {
  const v = new Violations();
  t.true(v.empty);
  t.notThrows(() => v.throwIfAny());
});

test('violations - throwIfAny gives INVALID_ARGUMENT naming every field in order', (t) => {
  const v = new Violations();
  v.add('product.sku', 'is required').add('product.name', 'must be 1-200 characters');
  t.false(v.empty);
  const err = t.throws(() => v.throwIfAny(), { instanceOf: ServiceError });
  t.is(err?.code, Code.INVALID_ARGUMENT);
  t.is(err?.message, 'product.sku: is required; product.name: must be 1-200 characters');
  t.deepEqual(err?.violations, [
    { field: 'product.sku', description: 'is required' },
    { field: 'product.name', description: 'must be 1-200 characters' },
  ]);
});

test('violations - fail() throws INVALID_ARGUMENT with what was collected', (t) => {
  const v = new Violations();
  v.add('product', 'is required');
  const err = t.throws(() => v.fail(), { instanceOf: ServiceError });
  t.is(err?.message, 'product: is required');
});

test('violations - check adds only when false and returns the condition', (t) => {
  const v = new Violations();
  t.true(v.check(true, 'a', 'never'));
  t.false(v.check(false, 'b', 'bad'));
  t.deepEqual(thrown(v), [['b', 'bad']]);
});

test('violations - requireUuid accepts a UUID in either case', (t) => {
  const v = new Violations();
  t.true(v.requireUuid(UUID, 'id'));
  t.true(v.requireUuid(UUID.toUpperCase(), 'id'));
  t.true(v.empty);
  t.true(isUuid(UUID));
});

test('violations - requireUuid: empty is "is required", anything else "must be a UUID"', (t) => {
  const v = new Violations();
  t.false(v.requireUuid('', 'id'));
  t.false(v.requireUuid('not-a-uuid', 'ids[1]'));
  t.false(v.requireUuid(`${UUID}0`, 'ids[2]'));
  t.false(v.requireUuid(` ${UUID}`, 'ids[3]'));
  t.false(v.requireUuid(UUID.replaceAll('-', ''), 'ids[4]'));
  t.deepEqual(thrown(v), [
    ['id', 'is required'],
    ['ids[1]', 'must be a UUID'],
    ['ids[2]', 'must be a UUID'],
    ['ids[3]', 'must be a UUID'],
    ['ids[4]', 'must be a UUID'],
  ]);
});

test('violations - requireText counts code points, not UTF-16 units', (t) => {
  const v = new Violations();
  // Three emoji: 3 code points, 6 UTF-16 units.
  t.true(v.requireText('😀😀😀', 'name', 1, 3));
  t.false(v.requireText('😀😀😀😀', 'name', 1, 3));
  t.deepEqual(thrown(v), [['name', 'must be 1-3 characters']]);
});

test('violations - requireText trims before measuring', (t) => {
  const v = new Violations();
  t.true(v.requireText('  abc  ', 'a', 1, 3));
  t.false(v.requireText('   ', 'b', 1, 3));
  t.false(v.requireText('', 'c', 1, 3));
  t.false(v.requireText(' ab ', 'd', 3, 5));
  t.deepEqual(thrown(v), [
    ['b', 'is required'],
    ['c', 'is required'],
    ['d', 'must be 3-5 characters'],
  ]);
});

test('violations - requireText with min 0 accepts empty text', (t) => {
  const v = new Violations();
  t.true(v.requireText('', 'note', 0, 10));
  t.false(v.requireText('x'.repeat(11), 'note', 0, 10));
  t.deepEqual(thrown(v), [['note', 'must be 0-10 characters']]);
});
