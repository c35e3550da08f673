import test from 'ava';
import { freePort } from '../../../../scripts/servers/index.js';
import { useServers } from '../../../support/servers.js';
import { startEchoServer } from '../../../support/echo/echo-server.js';
import { EchoClient } from '../../../support/echo/echo-client.js';
import { registerInstance, startSidecar, waitForClusterEndpoints } from '../../../support/mesh.js';

const servers = useServers(test, { consul: true });

test('sidecar pair - a unary call goes app → outbound sidecar → inbound sidecar → backend and back', async (t) => {
  const { consul } = servers();
  const echo = await startEchoServer();
  t.teardown(() => echo.stop());
  const upstreamPort = await freePort();
  await registerInstance(consul, { name: 'echo', instance: '1', port: echo.port });
  await registerInstance(consul, { name: 'client', instance: '1', port: 1, upstreams: [{ destinationName: 'echo', localBindPort: upstreamPort }] });
  const [server, client] = await Promise.all([startSidecar(consul, 'echo-1'), startSidecar(consul, 'client-1')]);
  t.teardown(() => Promise.all([server.stop(), client.stop()]).then(() => undefined));
  await waitForClusterEndpoints(client, 'echo', 1);

  const app = new EchoClient(`127.0.0.1:${upstreamPort}`);
  t.teardown(() => app.close());
  const res = await app.unary(Buffer.from('hello'), { metadata: { 'x-echo-meta-k': 'v' }, timeoutMs: 5000 });
  t.is(res.value.toString(), 'hello');
  t.deepEqual(res.headers.get('x-echo-meta-k'), ['v']);
  t.is(echo.stats.calls['Unary'], 1);
  const metrics = (await client.admin('/metrics')).body;
  t.regex(metrics, /meshproxy_requests_total\{[^}]*direction="outbound"[^}]*upstream="echo"[^}]*grpc_code="OK"[^}]*\} 1/);
});
