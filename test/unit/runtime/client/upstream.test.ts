import test from 'ava';
import { upstreamAddress } from '../../../../services/runtime/client/index.js';

const upstreams = [
  { destinationName: 'inventory', localBindPort: 9191 },
  { destinationName: 'payment', localBindPort: 9192 },
];

test('upstream - a declared upstream is the sidecar listener on loopback', (t) => {
  t.is(upstreamAddress(upstreams, 'payment'), '127.0.0.1:9192');
});

test('upstream - an undeclared upstream fails naming what is declared', (t) => {
  t.throws(() => upstreamAddress(upstreams, 'review'), { message: /upstream "review" is not declared .*\(upstreams: inventory, payment\)/ });
  t.throws(() => upstreamAddress([], 'review'), { message: /upstreams: none/ });
});
