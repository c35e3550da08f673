// Endpoint churn: an instance deregistered from Consul while calls stream through it. Its calls in flight
// finish on their connection; new calls go to the instance that remains; no call fails.
import test from 'ava';
import { freePort } from '../../../../scripts/servers/index.js';
import { EchoClient } from '../../../support/echo/echo-client.js';
import { startEchoServer } from '../../../support/echo/echo-server.js';
import { eventually } from '../../../support/eventually.js';
import { runLoad } from '../../../support/load.js';
import { clusterOf } from '../../../support/mesh-admin.js';
import { registerInstance, startSidecar, waitForClusterEndpoints } from '../../../support/mesh.js';
import { useServers } from '../../../support/servers.js';

const servers = useServers(test, { consul: true });

test('churn - an instance deregistered mid-stream: its streams finish, new calls go to the other, none fails', async (t) => {
  const { consul } = servers();
  const backends = await Promise.all([startEchoServer(), startEchoServer()]);
  t.teardown(() => Promise.all(backends.map((b) => b.stop())));
  const [leaving, staying] = backends;
  const port = await freePort();
  const [a] = await Promise.all([
    registerInstance(consul, { name: 'churn', instance: 'a', port: leaving.port }),
    registerInstance(consul, { name: 'churn', instance: 'b', port: staying.port }),
    registerInstance(consul, { name: 'caller', instance: '1', port: 1, upstreams: [{ destinationName: 'churn', localBindPort: port }] }),
  ]);
  const sidecars = await Promise.all(['churn-a', 'churn-b', 'caller-1'].map((id) => startSidecar(consul, id)));
  t.teardown(() => Promise.all(sidecars.map((s) => s.stop())));
  const caller = sidecars[2]!;
  await waitForClusterEndpoints(caller, 'churn', 2);
  const app = new EchoClient(`127.0.0.1:${port}`);
  t.teardown(() => app.close());

  // Six 10-message streams (one message every 150 ms): weighted round robin sends three through each instance.
  const streams = Array.from({ length: 6 }, (_, i) =>
    app.serverStream(Buffer.from(`stream ${i}`), { timeoutMs: 10_000, metadata: { 'x-echo-count': '10', 'x-echo-delay-ms': '150' } }),
  );
  const streamsDone = Promise.all(streams).then((streamed) => ({ streamed, streamsEndedAt: performance.now() }));
  await eventually(() => ((leaving.stats.calls['ServerStream'] ?? 0) === 3 ? true : undefined), 3000, 'three streams through the leaving instance');

  let removedAt = 0;
  let servedByLeavingAtRemoval = 0;
  // Steady unary calls meanwhile; the instance leaves Consul 300 ms in.
  const load = await runLoad({
    ratePerSecond: 100,
    durationMs: 3000,
    call: (seq) => app.unary(Buffer.from(`call ${seq}`), { timeoutMs: 5000 }),
    events: [
      {
        atMs: 300,
        run: async () => {
          await a.deregister();
          await eventually(async () => ((await clusterOf(caller, 'churn')).endpoints.length === 1 ? true : undefined), 5000, 'the caller to drop the instance');
          removedAt = performance.now();
          servedByLeavingAtRemoval = leaving.stats.calls['Unary'] ?? 0;
        },
      },
    ],
  });
  const { streamed, streamsEndedAt } = await streamsDone;

  t.log(`unary: ${load.sent} calls, ${load.failed} failed; leaving instance served ${servedByLeavingAtRemoval} before it was dropped and ${(leaving.stats.calls['Unary'] ?? 0) - servedByLeavingAtRemoval} after`);
  t.is(load.failed, 0, JSON.stringify(load.failures));
  t.true(removedAt > 0 && removedAt < streamsEndedAt - 300, 'the instance was dropped while its streams were still sending');
  t.deepEqual(
    streamed.map((messages) => messages.length),
    Array(6).fill(10),
    'every stream, those through the leaving instance too, got all its messages',
  );
  t.true(servedByLeavingAtRemoval > 0, 'the leaving instance served unary calls before it left');
  t.is(leaving.stats.calls['Unary'], servedByLeavingAtRemoval, 'and none after the caller dropped it');
  t.deepEqual(
    (await clusterOf(caller, 'churn')).endpoints.map((e) => e.serviceId),
    ['churn-b'],
  );
});
