import test from 'ava';
import {
  DEFAULT_POOL_MAX,
  DEFAULT_STATEMENT_TIMEOUT_MS,
  resolveDatabaseConfig,
} from '../../../../services/runtime/sql/database-config.js';

const url = 'postgres://app:secret@127.0.0.1:5432/catalog';

test('resolveDatabaseConfig - fills in defaults', (t) => {
  const config = resolveDatabaseConfig({ url });
  t.is(config.poolMax, DEFAULT_POOL_MAX);
  t.is(config.statementTimeoutMs, DEFAULT_STATEMENT_TIMEOUT_MS);
  t.is(config.applicationName, 'shopmesh');
});

test('resolveDatabaseConfig - keeps given values', (t) => {
  t.like(resolveDatabaseConfig({ url, poolMax: 3, statementTimeoutMs: 0, applicationName: 'catalog' }), {
    poolMax: 3,
    statementTimeoutMs: 0,
    applicationName: 'catalog',
  });
});

for (const [input, property] of [
  [{ poolMax: 0 }, 'poolMax'],
  [{ poolMax: 2.5 }, 'poolMax'],
  [{ connectTimeoutMs: -1 }, 'connectTimeoutMs'],
  [{ idleTimeoutMs: Number.NaN }, 'idleTimeoutMs'],
  [{ statementTimeoutMs: 1.5 }, 'statementTimeoutMs'],
  [{ applicationName: '' }, 'applicationName'],
  [{ applicationName: 'x'.repeat(64) }, 'applicationName'],
] as const) {
  test(`resolveDatabaseConfig - a bad ${property} names it (${String(Object.values(input)[0]).slice(0, 12) || 'empty'})`, (t) => {
    t.throws(() => resolveDatabaseConfig({ url, ...input }), { message: new RegExp(`database config: ${property} `) });
  });
}

test('resolveDatabaseConfig - a bad url names the property without echoing the value', (t) => {
  const err = t.throws(() => resolveDatabaseConfig({ url: 'not a url with secret' }));
  t.regex(err.message, /url is not a URL/);
  t.notRegex(err.message, /secret/);
  t.throws(() => resolveDatabaseConfig({ url: 'mysql://h/db' }), { message: /url must use postgres/ });
});
