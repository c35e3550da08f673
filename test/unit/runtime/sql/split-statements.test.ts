import test from 'ava';
import { splitStatements } from '../../../../services/runtime/sql/split-statements.js';

test('splitStatements - splits at top-level semicolons and trims', (t) => {
  t.deepEqual(splitStatements('CREATE TABLE a (x INT);\n  CREATE TABLE b (y INT) ;\n'), [
    'CREATE TABLE a (x INT)',
    'CREATE TABLE b (y INT)',
  ]);
});

test('splitStatements - a last statement without semicolon is kept', (t) => {
  t.deepEqual(splitStatements('SELECT 1; SELECT 2'), ['SELECT 1', 'SELECT 2']);
});

test('splitStatements - drops empty statements and comment-only chunks', (t) => {
  t.deepEqual(splitStatements(';;\n-- just a note;\n/* and; another */;\nSELECT 1;\n-- trailing'), ['SELECT 1']);
});

test('splitStatements - keeps semicolons inside strings and identifiers', (t) => {
  const sql = `INSERT INTO t (a) VALUES ('x;y'), ('it''s; fine');\nCREATE TABLE "we;ird" ("col""; x" INT);`;
  t.deepEqual(splitStatements(sql), [
    `INSERT INTO t (a) VALUES ('x;y'), ('it''s; fine')`,
    `CREATE TABLE "we;ird" ("col""; x" INT)`,
  ]);
});

test('splitStatements - E strings use backslash escapes', (t) => {
  t.deepEqual(splitStatements(`SELECT E'a\\';b'; SELECT 2`), [`SELECT E'a\\';b'`, 'SELECT 2']);
});

test('splitStatements - a plain string ending in a backslash is not an escape', (t) => {
  // standard_conforming_strings is on in both engines: '\' is a one-character string.
  t.deepEqual(splitStatements(`SELECT '\\'; SELECT 2`), [`SELECT '\\'`, 'SELECT 2']);
});

test('splitStatements - an identifier ending in e before a quote is not an E string', (t) => {
  t.deepEqual(splitStatements(`SELECT date'2024-01-01\\'; SELECT 2`), [`SELECT date'2024-01-01\\'`, 'SELECT 2']);
});

test('splitStatements - dollar-quoted bodies, tagged and not', (t) => {
  const sql = `DO $$ BEGIN PERFORM 1; END $$;\nSELECT $fn$ a; $$ b; $fn$;\nSELECT 3`;
  t.deepEqual(splitStatements(sql), ['DO $$ BEGIN PERFORM 1; END $$', 'SELECT $fn$ a; $$ b; $fn$', 'SELECT 3']);
});

test('splitStatements - parameters and $ inside identifiers are not dollar quotes', (t) => {
  t.deepEqual(splitStatements('SELECT $1; SELECT a$b$ FROM t; SELECT 3'), ['SELECT $1', 'SELECT a$b$ FROM t', 'SELECT 3']);
});

test('splitStatements - comments hide semicolons, and block comments nest', (t) => {
  const sql = `SELECT 1 -- not here;\n+ 1;\nSELECT /* outer /* inner; */ still; */ 2;`;
  t.deepEqual(splitStatements(sql), ['SELECT 1 -- not here;\n+ 1', 'SELECT /* outer /* inner; */ still; */ 2']);
});

test('splitStatements - unterminated strings and comments are errors', (t) => {
  t.throws(() => splitStatements(`SELECT 'oops`), { message: /unterminated string/ });
  t.throws(() => splitStatements(`SELECT "oops`), { message: /unterminated quoted identifier/ });
  t.throws(() => splitStatements(`SELECT $x$ oops`), { message: /unterminated dollar/ });
  t.throws(() => splitStatements(`SELECT /* oops`), { message: /unterminated \/\*/ });
});

test('splitStatements - an empty script has no statements', (t) => {
  t.deepEqual(splitStatements(''), []);
  t.deepEqual(splitStatements('  \n -- only a comment\n'), []);
});
