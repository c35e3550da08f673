// The grpc-js echo of the integration tests (test/support/echo) as its own process, for `--backend grpc-js`.
//
//   node --import tsx scripts/bench/grpc-js-echo-server.ts [port]    prints "listening <port>" once bound
import { startEchoServer } from '../../test/support/echo/echo-server.js';

const server = await startEchoServer(Number(process.argv[2] ?? 0));
process.stdout.write(`listening ${server.port}\n`);
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => void server.stop().then(() => process.exit(0)));
}
