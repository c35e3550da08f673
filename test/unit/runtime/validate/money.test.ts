import test from 'ava';
import { create } from '@bufbuild/protobuf';
import { MoneySchema } from '../../../../services/gen/shop/common/v1/money_pb.js';
import { Violations, checkMoney, type MoneyRules } from '../../../../services/runtime/validate/index.js';

/** The violations checkMoney collects for `money` at "product.price", as field → description pairs. */
function problems(money: { currencyCode?: string; units?: bigint; nanos?: number } | undefined, rules?: MoneyRules): Array<[string, string]> {
  const v = new Violations();
  checkMoney(v, money === undefined ? undefined : create(MoneySchema, money), 'product.price', rules);
  return v.all.map((x) => [x.field, x.description]);
}

test('money - a valid amount passes', (t) => {
  t.deepEqual(problems({ currencyCode: 'EUR', units: 12n, nanos: 500_000_000 }), []);
  t.deepEqual(problems({ currencyCode: 'USD', units: 0n, nanos: 0 }), []);
  t.deepEqual(problems({ currencyCode: 'JPY', units: 9_007_199_254_740_993n, nanos: 999_999_999 }), []);
});

test('money - missing is "is required" on the field itself', (t) => {
  t.deepEqual(problems(undefined), [['product.price', 'is required']]);
});

test('money - currency must be three upper-case letters', (t) => {
  for (const code of ['', 'eur', 'EU', 'EURO', 'E1R', ' EUR']) {
    t.deepEqual(
      problems({ currencyCode: code, units: 1n }),
      [['product.price.currency_code', 'must be an ISO 4217 code of three upper-case letters']],
      JSON.stringify(code),
    );
  }
});

test('money - nanos must be within ±999,999,999', (t) => {
  t.deepEqual(problems({ currencyCode: 'EUR', units: 1n, nanos: 1_000_000_000 }), [
    ['product.price.nanos', 'must be between -999999999 and 999999999'],
  ]);
  t.deepEqual(problems({ currencyCode: 'EUR', units: -1n, nanos: -1_000_000_000 }, { allowNegative: true }), [
    ['product.price.nanos', 'must be between -999999999 and 999999999'],
  ]);
});

test('money - nanos must have the sign of units', (t) => {
  t.deepEqual(problems({ currencyCode: 'EUR', units: 1n, nanos: -1 }, { allowNegative: true }), [
    ['product.price.nanos', 'must have the same sign as units'],
  ]);
  t.deepEqual(problems({ currencyCode: 'EUR', units: -1n, nanos: 1 }, { allowNegative: true }), [
    ['product.price.nanos', 'must have the same sign as units'],
  ]);
});

test('money - a negative amount is refused by default', (t) => {
  t.deepEqual(problems({ currencyCode: 'EUR', units: -5n, nanos: 0 }), [['product.price', 'must not be negative']]);
  t.deepEqual(problems({ currencyCode: 'EUR', units: 0n, nanos: -1 }), [['product.price', 'must not be negative']]);
  t.deepEqual(problems({ currencyCode: 'EUR', units: -5n, nanos: -250_000_000 }), [['product.price', 'must not be negative']]);
});

test('money - a negative amount is accepted with allowNegative', (t) => {
  t.deepEqual(problems({ currencyCode: 'EUR', units: -5n, nanos: -250_000_000 }, { allowNegative: true }), []);
  t.deepEqual(problems({ currencyCode: 'EUR', units: 0n, nanos: -1 }, { allowNegative: true }), []);
});

test('money - every problem is reported together', (t) => {
  t.deepEqual(problems({ currencyCode: 'eur', units: 1n, nanos: -1 }), [
    ['product.price.currency_code', 'must be an ISO 4217 code of three upper-case letters'],
    ['product.price.nanos', 'must have the same sign as units'],
    ['product.price', 'must not be negative'],
  ]);
});
