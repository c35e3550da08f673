// One echo backend per gRPC stack behind a real sidecar pair, for tests that must hold for any stack:
//
//   app (grpc-js EchoClient or RawGrpcClient) → 127.0.0.1:<upstream port> → client sidecar (outbound)
//     → backend's sidecar (inbound) → echo backend (grpc-js, or python3-grpcio)
//
// Services echo-js and echo-py, each one instance with its own sidecar; one caller `app-1` whose
// sidecar has both as upstreams. Start it once per test file (test.serial.before) and share it.
import { freePort, type ConsulServer } from '../../../scripts/servers/index.js';
import { registerInstance, startSidecar, waitForClusterEndpoints, type SidecarProcess } from '../mesh.js';
import { EchoClient } from './echo-client.js';
import { startEchoServer } from './echo-server.js';
import { startPythonEcho } from './python-echo.js';

export type Stack = 'grpc-js' | 'python';
export const STACKS: readonly Stack[] = ['grpc-js', 'python'];

/** What a backend saw, the same for both stacks. */
export interface BackendStats {
  calls: Record<string, number>;
  /** Calls cancelled under the handler (client cancel or deadline). */
  cancelled: number;
  /** Time left when the last call started (ms); undefined without a deadline. */
  lastDeadlineMs: number | undefined;
  /** Response messages of ServerStream and Bidi handed to the gRPC stack. */
  sent: number;
}

export interface EchoBackend {
  stack: Stack;
  /** The upstream's name in the caller's sidecar. */
  service: string;
  /** The caller's local port for this upstream (its outbound listener). */
  upstreamPort: number;
  /** A grpc-js app calling through the pair. */
  app: EchoClient;
  /** The backend's own sidecar (inbound). */
  sidecar: SidecarProcess;
  /** The backend process's pid (python), or undefined (grpc-js runs in the test process). */
  pid: number | undefined;
  stats(): Promise<BackendStats>;
}

export interface EchoPair {
  /** The caller's sidecar (outbound). */
  caller: SidecarProcess;
  backends: Record<Stack, EchoBackend>;
  stop(): Promise<void>;
}

/** Starts both backends, registers them and the caller in Consul, starts the three sidecars, waits for discovery. */
export async function startEchoPair(consul: ConsulServer, o: { upstreamConfig?: Record<string, unknown> } = {}): Promise<EchoPair> {
  const stops: Array<() => Promise<unknown> | void> = [];
  const stop = async () => {
    // Callers first, then sidecars, then backends: nothing is cut off mid-call by an earlier stop.
    for (const s of stops.reverse()) await s();
  };
  try {
    const [js, py, jsPort, pyPort] = await Promise.all([startEchoServer(), startPythonEcho(), freePort(), freePort()]);
    stops.push(() => js.stop(), () => py.stop());
    await Promise.all([
      registerInstance(consul, { name: 'echo-js', instance: '1', port: js.port }),
      registerInstance(consul, { name: 'echo-py', instance: '1', port: py.port }),
      registerInstance(consul, {
        name: 'app',
        instance: '1',
        port: 1,
        upstreams: [
          { destinationName: 'echo-js', localBindPort: jsPort, ...(o.upstreamConfig ? { config: o.upstreamConfig } : {}) },
          { destinationName: 'echo-py', localBindPort: pyPort, ...(o.upstreamConfig ? { config: o.upstreamConfig } : {}) },
        ],
      }),
    ]);
    const started = await Promise.allSettled([startSidecar(consul, 'echo-js-1'), startSidecar(consul, 'echo-py-1'), startSidecar(consul, 'app-1')]);
    for (const s of started) if (s.status === 'fulfilled') stops.push(() => s.value.stop());
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    const [jsSidecar, pySidecar, caller] = started.map((s) => (s as PromiseFulfilledResult<SidecarProcess>).value) as [SidecarProcess, SidecarProcess, SidecarProcess];
    await Promise.all([waitForClusterEndpoints(caller, 'echo-js', 1), waitForClusterEndpoints(caller, 'echo-py', 1)]);
    const jsApp = new EchoClient(`127.0.0.1:${jsPort}`);
    const pyApp = new EchoClient(`127.0.0.1:${pyPort}`);
    stops.push(() => jsApp.close(), () => pyApp.close());
    return {
      caller,
      backends: {
        'grpc-js': {
          stack: 'grpc-js',
          service: 'echo-js',
          upstreamPort: jsPort,
          app: jsApp,
          sidecar: jsSidecar,
          pid: undefined,
          stats: async () => ({ calls: { ...js.stats.calls }, cancelled: js.stats.cancelled, lastDeadlineMs: js.stats.lastDeadlineMs, sent: js.stats.sent }),
        },
        python: {
          stack: 'python',
          service: 'echo-py',
          upstreamPort: pyPort,
          app: pyApp,
          sidecar: pySidecar,
          pid: py.pid,
          stats: async () => {
            const s = await py.stats();
            return { calls: s.calls, cancelled: s.cancelled, lastDeadlineMs: s.lastDeadlineMs ?? undefined, sent: s.sent };
          },
        },
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
