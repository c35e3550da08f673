import test from 'ava';
import { childTraceparent, formatTraceparent, newSpanId, newTraceId, parseTraceparent } from '../../../../mesh-proxy/src/telemetry/index.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT = '00f067aa0ba902b7';
const VALID = `00-${TRACE}-${PARENT}-01`;
const FORMAT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

test('traceparent - parses a valid version 00 header', (t) => {
  t.deepEqual(parseTraceparent(VALID), { traceId: TRACE, parentId: PARENT, flags: 1 });
  t.deepEqual(parseTraceparent(`00-${TRACE}-${PARENT}-00`), { traceId: TRACE, parentId: PARENT, flags: 0 });
  t.deepEqual(parseTraceparent(`  ${VALID}\t`), { traceId: TRACE, parentId: PARENT, flags: 1 }, 'OWS is not part of the value');
});

test('traceparent - invalid values are ignored (undefined), per the spec', (t) => {
  const invalid: Array<[string | undefined, string]> = [
    [undefined, 'absent'],
    ['', 'empty'],
    [VALID.toUpperCase(), 'uppercase hex is not HEXDIGLC'],
    [`00-${TRACE.toUpperCase()}-${PARENT}-01`, 'uppercase trace id'],
    [`ff-${TRACE}-${PARENT}-01`, 'version ff is forbidden'],
    [`0-${TRACE}-${PARENT}-01`, 'short version'],
    [`00-${'0'.repeat(32)}-${PARENT}-01`, 'all-zero trace id'],
    [`00-${TRACE}-${'0'.repeat(16)}-01`, 'all-zero parent id'],
    [`00-${TRACE.slice(1)}-${PARENT}-01`, 'short trace id'],
    [`00-${TRACE}-${PARENT}1-01`, 'long parent id'],
    [`00-${TRACE}-${PARENT}-1`, 'short flags'],
    [`00-${TRACE}-${PARENT}-0g`, 'non-hex flags'],
    [`00_${TRACE}_${PARENT}_01`, 'wrong separators'],
    [`00-${TRACE}-${PARENT}-01-extra`, 'version 00 must be exactly 55 characters'],
    [`00-${TRACE}-${PARENT}-01,00-${TRACE}-${PARENT}-01`, 'two headers folded into one'],
    [`01-${TRACE}-${PARENT}-01x`, 'a later version must continue with "-"'],
    [`zz-${TRACE}-${PARENT}-01`, 'non-hex version'],
  ];
  for (const [value, why] of invalid) t.is(parseTraceparent(value), undefined, why);
});

test('traceparent - a later version is read by its first four fields', (t) => {
  t.deepEqual(parseTraceparent(`01-${TRACE}-${PARENT}-01`), { traceId: TRACE, parentId: PARENT, flags: 1 });
  t.deepEqual(parseTraceparent(`cc-${TRACE}-${PARENT}-09-what-the-future-holds`), { traceId: TRACE, parentId: PARENT, flags: 9 });
});

test('traceparent - the child keeps the trace id and flags, with a new span id, as version 00', (t) => {
  for (const flags of ['00', '01']) {
    const out = childTraceparent(`00-${TRACE}-${PARENT}-${flags}`);
    const m = FORMAT.exec(out);
    t.truthy(m, out);
    t.is(m![1], TRACE);
    t.not(m![2], PARENT);
    t.is(m![3], flags);
  }
  t.regex(childTraceparent(`cc-${TRACE}-${PARENT}-01-more`), new RegExp(`^00-${TRACE}-[0-9a-f]{16}-01$`), 'a later version goes on as 00');
});

test('traceparent - reserved flag bits are zeroed when sent; sampled and random (level 2) are kept', (t) => {
  t.true(childTraceparent(`00-${TRACE}-${PARENT}-ff`).endsWith('-03'));
  t.true(childTraceparent(`00-${TRACE}-${PARENT}-02`).endsWith('-02'));
});

test('traceparent - a new, sampled trace when the incoming value is absent or invalid', (t) => {
  for (const incoming of [undefined, 'garbage', `00-${'0'.repeat(32)}-${PARENT}-01`]) {
    const out = childTraceparent(incoming);
    const m = FORMAT.exec(out);
    t.truthy(m, out);
    t.not(m![1], TRACE);
    t.is(m![3], '01');
    t.deepEqual(parseTraceparent(out)?.traceId, m![1], 'what we send is valid');
  }
  t.not(childTraceparent(undefined), childTraceparent(undefined));
});

test('trace ids - lowercase hex of the right length, never zero, all different (pool refills included)', (t) => {
  const seen = new Set<string>();
  for (let i = 0; i < 5000; i++) {
    const traceId = newTraceId();
    const spanId = newSpanId();
    t.regex(traceId, /^[0-9a-f]{32}$/);
    t.regex(spanId, /^[0-9a-f]{16}$/);
    seen.add(traceId).add(spanId);
  }
  t.is(seen.size, 10_000);
});

test('traceparent - format writes version 00 and two-digit flags', (t) => {
  t.is(formatTraceparent(TRACE, PARENT, 1), VALID);
  t.is(formatTraceparent(TRACE, PARENT, 0x0a), `00-${TRACE}-${PARENT}-0a`);
});
