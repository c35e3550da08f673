// Splits a SQL script into statements at top-level semicolons, skipping quotes and comments.

/**
 * Why split at all: a multi-statement string sent as one simple query runs as ONE implicit
 * transaction on both engines (CockroachDB matches PostgreSQL here since cockroach#76834),
 * and CockroachDB supports schema changes reliably only one per implicit transaction
 * ("Online Schema Changes", limitations). Splitting also lets a failure name its statement.
 *
 * Understands PostgreSQL's lexical rules that can hide a semicolon: '...' strings ('' escapes
 * a quote), E'...' strings (backslash escapes), "..." identifiers, $tag$...$tag$ bodies,
 * -- line comments and nested /* block comments *\/. Chunks holding only whitespace and
 * comments are dropped.
 */
export function splitStatements(sql: string): string[] {
  const statements: string[] = [];
  let start = 0;
  let meaningful = false; // Has the current chunk anything besides whitespace and comments?
  let i = 0;
  const n = sql.length;

  const flush = (end: number) => {
    const text = sql.slice(start, end).trim();
    if (meaningful && text !== '') statements.push(text);
    meaningful = false;
  };

  while (i < n) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === '-' && next === '-') {
      const eol = sql.indexOf('\n', i);
      i = eol === -1 ? n : eol + 1;
    } else if (c === '/' && next === '*') {
      i = skipBlockComment(sql, i);
    } else if (c === "'") {
      meaningful = true;
      i = skipQuoted(sql, i, "'", isEscapeStringStart(sql, i));
    } else if (c === '"') {
      meaningful = true;
      i = skipQuoted(sql, i, '"', false);
    } else if (c === '$' && dollarTagAt(sql, i) !== undefined) {
      meaningful = true;
      const tag = dollarTagAt(sql, i)!;
      const close = sql.indexOf(tag, i + tag.length);
      if (close === -1) throw new Error(`unterminated dollar-quoted string starting ${tag}`);
      i = close + tag.length;
    } else if (c === ';') {
      flush(i);
      i++;
      start = i;
    } else {
      if (!/\s/.test(c)) meaningful = true;
      i++;
    }
  }
  flush(n);
  return statements;
}

function skipBlockComment(sql: string, from: number): number {
  // PostgreSQL block comments nest: /* a /* b */ still a comment */.
  let depth = 0;
  let i = from;
  while (i < sql.length) {
    if (sql[i] === '/' && sql[i + 1] === '*') {
      depth++;
      i += 2;
    } else if (sql[i] === '*' && sql[i + 1] === '/') {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else {
      i++;
    }
  }
  throw new Error('unterminated /* comment');
}

/** Index just past the closing quote; a doubled quote is an escaped one. */
function skipQuoted(sql: string, from: number, quote: string, backslashEscapes: boolean): number {
  let i = from + 1;
  while (i < sql.length) {
    const c = sql[i];
    if (backslashEscapes && c === '\\') {
      i += 2;
    } else if (c === quote) {
      if (sql[i + 1] === quote) i += 2;
      else return i + 1;
    } else {
      i++;
    }
  }
  throw new Error(`unterminated ${quote === "'" ? 'string' : 'quoted identifier'}`);
}

/** E'...' (or e'...'), where the E is a token of its own, not the end of an identifier. */
function isEscapeStringStart(sql: string, quoteAt: number): boolean {
  const prev = sql[quoteAt - 1];
  if (prev !== 'E' && prev !== 'e') return false;
  const before = sql[quoteAt - 2];
  return before === undefined || !isIdentifierChar(before);
}

/**
 * The opening $tag$ at `at`, or undefined when this $ is something else: a parameter ($1),
 * or part of an identifier (PostgreSQL allows $ inside identifiers, as in a$b).
 */
function dollarTagAt(sql: string, at: number): string | undefined {
  const prev = sql[at - 1];
  if (prev !== undefined && isIdentifierChar(prev)) return undefined;
  const match = /^\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/.exec(sql.slice(at, at + 64));
  return match?.[0];
}

function isIdentifierChar(c: string): boolean {
  return /[A-Za-z0-9_$\u0080-\uffff]/.test(c);
}
