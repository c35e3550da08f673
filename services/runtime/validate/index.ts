// Request validation helpers shared by every service.
export { Violations, isUuid } from './violations.js';
export { checkMoney, type MoneyRules } from './money.js';
