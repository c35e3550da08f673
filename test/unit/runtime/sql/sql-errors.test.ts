import test from 'ava';
import {
  describeSqlError,
  isConnectionFailure,
  isRetryableSqlError,
  isUniqueViolation,
  sqlState,
} from '../../../../services/runtime/sql/sql-errors.js';
import { pgError } from './fake-pool.js';

test('sqlState - reads the SQLSTATE of a server error', (t) => {
  t.is(sqlState(pgError('40001')), '40001');
  t.is(sqlState(pgError('40P01')), '40P01');
});

test('sqlState - ignores Node socket codes and non-errors', (t) => {
  t.is(sqlState(Object.assign(new Error('reset'), { code: 'ECONNRESET' })), undefined);
  t.is(sqlState(new Error('plain')), undefined);
  t.is(sqlState('40001'), undefined);
  t.is(sqlState(null), undefined);
  t.is(sqlState({ code: 40001 }), undefined);
});

test('isRetryableSqlError - only serialization failures and deadlocks', (t) => {
  t.true(isRetryableSqlError(pgError('40001')));
  t.true(isRetryableSqlError(pgError('40P01')));
  t.false(isRetryableSqlError(pgError('40003')), 'ambiguous commit must not be retried');
  t.false(isRetryableSqlError(pgError('23505')));
  t.false(isRetryableSqlError(new Error('restart transaction')));
});

test('isUniqueViolation - 23505 only', (t) => {
  t.true(isUniqueViolation(pgError('23505')));
  t.false(isUniqueViolation(pgError('23503')));
});

test('isConnectionFailure - class 08 and server shutdown', (t) => {
  t.true(isConnectionFailure(pgError('08006')));
  t.true(isConnectionFailure(pgError('57P01')));
  t.false(isConnectionFailure(pgError('57014')), 'a cancelled statement leaves the session usable');
  t.false(isConnectionFailure(new Error('x')));
});

test('describeSqlError - prefixes the SQLSTATE when there is one', (t) => {
  t.is(describeSqlError(pgError('23505', 'duplicate key')), '23505: duplicate key');
  t.is(describeSqlError(new Error('boom')), 'boom');
  t.is(describeSqlError('text'), 'text');
});
