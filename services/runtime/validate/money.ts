// Validation of shop.common.v1.Money, the rules of google.type.Money.
import type { Money } from '../../gen/shop/common/v1/money_pb.js';
import type { Violations } from './violations.js';

const CURRENCY = /^[A-Z]{3}$/;
const MAX_NANOS = 999_999_999;

export interface MoneyRules {
  /** Allow amounts below zero (refunds, adjustments); prices never. */
  allowNegative?: boolean;
}

/** Checks a Money field; `field` is its path in the request ("product.price"). */
export function checkMoney(v: Violations, money: Money | undefined, field: string, rules: MoneyRules = {}): void {
  if (money === undefined) {
    v.add(field, 'is required');
    return;
  }
  v.check(CURRENCY.test(money.currencyCode), `${field}.currency_code`, 'must be an ISO 4217 code of three upper-case letters');
  if (!v.check(Math.abs(money.nanos) <= MAX_NANOS, `${field}.nanos`, `must be between -${MAX_NANOS} and ${MAX_NANOS}`)) return;
  const units = money.units;
  v.check(!(units > 0n && money.nanos < 0) && !(units < 0n && money.nanos > 0), `${field}.nanos`, 'must have the same sign as units');
  if (!rules.allowNegative) v.check(units >= 0n && money.nanos >= 0, field, 'must not be negative');
}
