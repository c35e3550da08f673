import test from 'ava';
import { detectDialect, parseVersion } from '../../../../services/runtime/sql/dialect.js';

const cases: Array<[string, string, string]> = [
  [
    'CockroachDB CCL v23.1.11 (x86_64-pc-linux-gnu, built 2023/09/27 01:53:43, go1.19.10)',
    'cockroachdb',
    '23.1.11',
  ],
  ['CockroachDB CCL v24.1.0 (aarch64-unknown-linux-gnu, built 2024/05/15 21:28:29, go1.22.2 X:nocoverageredesign)', 'cockroachdb', '24.1.0'],
  ['CockroachDB OSS v22.2.0-beta.1 (x86_64-apple-darwin19, built 2022/09/20 18:20:42, go1.19.1)', 'cockroachdb', '22.2.0-beta.1'],
  [
    'PostgreSQL 15.5 (Debian 15.5-0+deb12u1) on x86_64-pc-linux-gnu, compiled by gcc (Debian 12.2.0-14) 12.2.0, 64-bit',
    'postgres',
    '15.5',
  ],
  ['PostgreSQL 16.1 on aarch64-apple-darwin23.0.0, compiled by Apple clang version 15.0.0, 64-bit', 'postgres', '16.1'],
  ['PostgreSQL 17beta1 on x86_64-pc-linux-gnu, compiled by gcc 13.2.0, 64-bit', 'postgres', '17beta1'],
  ['PostgreSQL 9.6.24 on x86_64-pc-linux-gnu', 'postgres', '9.6.24'],
];

for (const [text, kind, version] of cases) {
  test(`parseVersion - ${text.slice(0, 40)}`, (t) => {
    t.deepEqual(parseVersion(text), { kind, version });
  });
}

test('parseVersion - an engine it does not know is an error quoting the text', (t) => {
  t.throws(() => parseVersion('8.0.36-MySQL Community Server'), { message: /unsupported database.*MySQL/ });
  t.throws(() => parseVersion(''), { message: /unsupported database/ });
});

test('parseVersion - "PostgreSQL" inside a CockroachDB string does not make it postgres', (t) => {
  t.is(parseVersion('CockroachDB CCL v23.2.0 (PostgreSQL compatible)').kind, 'cockroachdb');
});

test('detectDialect - asks SELECT version() and parses the answer', async (t) => {
  const asked: string[] = [];
  const dialect = await detectDialect({
    query: async (text) => {
      asked.push(text);
      return { rows: [{ version: 'CockroachDB CCL v23.1.11 (x86_64-pc-linux-gnu, built 2023/09/27 01:53:43, go1.19.10)' }] };
    },
  });
  t.deepEqual(dialect, { kind: 'cockroachdb', version: '23.1.11' });
  t.regex(asked[0] ?? '', /SELECT version\(\)/);
});

test('detectDialect - no row is an error', async (t) => {
  await t.throwsAsync(detectDialect({ query: async () => ({ rows: [] }) }), { message: /no text/ });
});
