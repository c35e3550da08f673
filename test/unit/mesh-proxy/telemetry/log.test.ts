import test from 'ava';
import { Writable } from 'node:stream';
import { createLogger, safeHeaders } from '../../../../mesh-proxy/src/telemetry/index.js';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, destination };
}

test('log - JSON lines carry proxyId and service, and the level by name', (t) => {
  const { lines, destination } = capture();
  const log = createLogger({ proxyId: 'orders-1-sidecar-proxy', service: 'orders', destination });
  log.info({ upstream: 'inventory' }, 'endpoints changed');
  t.like(lines[0], { level: 'info', proxyId: 'orders-1-sidecar-proxy', service: 'orders', upstream: 'inventory', msg: 'endpoints changed' });
  t.is(typeof lines[0]!.time, 'string');
});

test('log - headers keep their names, but values only from the allow-list', (t) => {
  const { lines, destination } = capture();
  const log = createLogger({ proxyId: 'p', service: 's', destination });
  log.warn({
    headers: [
      [':path', '/shop.payment.v1.Payments/Charge'],
      ['authorization', 'Bearer secret'],
      ['x-card-number', '4111111111111111'],
      ['grpc-timeout', '5S'],
      ['traceparent', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'],
      ['tracestate', 'vendor=user-42'],
    ],
  });
  t.deepEqual(lines[0]!.headers, {
    ':path': '/shop.payment.v1.Payments/Charge',
    authorization: '[redacted]',
    'x-card-number': '[redacted]',
    'grpc-timeout': '5S',
    traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    tracestate: '[redacted]',
  });
  t.false(JSON.stringify(lines).includes('4111111111111111'));
  t.false(JSON.stringify(lines).includes('secret'));
});

test('log - header objects (node style) work too; names are compared case-insensitively', (t) => {
  t.deepEqual(safeHeaders({ 'Content-Type': 'application/grpc', Cookie: ['a=1', 'b=2'], 'x-user-id': 'u-9', skipped: undefined }), {
    'content-type': 'application/grpc',
    cookie: '[redacted]',
    'x-user-id': '[redacted]',
  });
});

test('log - a token or authorization logged under another key by mistake is censored', (t) => {
  const { lines, destination } = capture();
  createLogger({ proxyId: 'p', service: 's', destination }).info({ consul: { token: 'acl-secret' }, authorization: 'x' });
  t.deepEqual(lines[0]!.consul, { token: '[redacted]' });
  t.is(lines[0]!.authorization, '[redacted]');
});
