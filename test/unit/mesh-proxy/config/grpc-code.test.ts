import test from 'ava';
import { ConfigError, grpcCodeName, parseGrpcCode } from '../../../../mesh-proxy/src/config/index.js';

test('grpc codes - names and numbers both parse to the number', (t) => {
  t.is(parseGrpcCode('UNAVAILABLE', 'p'), 14);
  t.is(parseGrpcCode(14, 'p'), 14);
  t.is(parseGrpcCode('UNAUTHENTICATED', 'p'), 16);
  t.is(parseGrpcCode(0, 'p'), 0);
});

test('grpc codes - anything else names the path', (t) => {
  for (const bad of ['Unavailable', 17, -1, 1.5, null, '14']) {
    t.throws(() => parseGrpcCode(bad, 'x.retryOn[0]'), { instanceOf: ConfigError, message: /^x\.retryOn\[0\]: expected a gRPC status code/ });
  }
});

test('grpc codes - canonical names; out-of-range codes read as UNKNOWN', (t) => {
  t.is(grpcCodeName(0), 'OK');
  t.is(grpcCodeName(4), 'DEADLINE_EXCEEDED');
  t.is(grpcCodeName(14), 'UNAVAILABLE');
  t.is(grpcCodeName(99), 'UNKNOWN');
});
