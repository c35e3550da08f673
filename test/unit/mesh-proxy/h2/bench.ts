// Micro-benchmark (not a test): gRPC-like 100-byte unary exchanges between a client and a server H2Connection over loopback TCP.
//
//   npx tsx test/unit/mesh-proxy/h2/bench.ts [--seconds 3] [--split]
//
// Each exchange: request HEADERS, DATA (5-octet gRPC frame header + 100 octets, END_STREAM),
// response HEADERS, DATA, trailers (END_STREAM). Prints req/s and CPU µs per exchange
// (process.cpuUsage, user + system) at concurrency 1 and 16. By default both ends run in this
// process, so the CPU is the client's plus the server's; --split runs the server in a child
// process and prints each end's share.
import { fork } from 'node:child_process';
import net from 'node:net';
import { H2Connection, type H2Handler, type HeaderList } from '../../../../mesh-proxy/src/h2/index.js';

const args = process.argv.slice(2);
const seconds = Number(args[args.indexOf('--seconds') + 1] || 3) || 3;
const split = args.includes('--split');
const isChild = args.includes('--server-child');

const REQUEST: HeaderList = [
  [':method', 'POST'],
  [':scheme', 'http'],
  [':path', '/shop.order.v1.OrderService/GetOrder'],
  [':authority', 'order'],
  ['content-type', 'application/grpc'],
  ['te', 'trailers'],
  ['grpc-timeout', '5S'],
  ['user-agent', 'grpc-node-js/1.14.7'],
];
const RESPONSE: HeaderList = [
  [':status', '200'],
  ['content-type', 'application/grpc'],
  ['grpc-accept-encoding', 'identity,deflate,gzip'],
];
const TRAILERS: HeaderList = [
  ['grpc-status', '0'],
  ['grpc-message', ''],
];
const MESSAGE = Buffer.alloc(105, 0x2a);
MESSAGE[0] = 0;
MESSAGE.writeUInt32BE(100, 1);

/** Answers every request that ended: HEADERS, the 105-octet DATA, trailers. */
class Server implements H2Handler {
  conn!: H2Connection;
  onHeaders(id: number, _headers: HeaderList, end: boolean): void {
    if (end) this.answer(id);
  }
  onData(id: number, data: Buffer, end: boolean): void {
    this.conn.consume(id, data.length);
    if (end) this.answer(id);
  }
  onReset(): void {}
  onWritable(): void {}
  onGoaway(): void {}
  onClose(): void {}
  private answer(id: number): void {
    this.conn.sendHeaders(id, RESPONSE, false);
    this.conn.sendData(id, MESSAGE, false);
    this.conn.sendHeaders(id, TRAILERS, true);
  }
}

async function startServer(): Promise<{ port: number; close: () => void }> {
  const conns: H2Connection[] = [];
  const server = net.createServer((socket) => {
    const handler = new Server();
    handler.conn = new H2Connection(socket, handler, { role: 'server' });
    conns.push(handler.conn);
    handler.conn.start();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => {
      for (const c of conns) c.close();
      server.close();
    },
  };
}

/** Keeps `concurrency` exchanges in flight; each completed one starts the next. No promise per call. */
class Client implements H2Handler {
  conn!: H2Connection;
  completed = 0;
  running = false;
  failures = 0;
  onHeaders(id: number, _headers: HeaderList, end: boolean): void {
    if (end) this.next(id);
  }
  onData(id: number, data: Buffer): void {
    this.conn.consume(id, data.length);
  }
  onReset(id: number): void {
    this.failures++;
    this.next(id);
  }
  onWritable(): void {}
  onGoaway(): void {}
  onClose(): void {}
  start(): void {
    const id = this.conn.openStream(REQUEST, false);
    this.conn.sendData(id, MESSAGE, true);
  }
  private next(_id: number): void {
    this.completed++;
    if (this.running) this.start();
  }
}

async function connectClient(port: number): Promise<Client> {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise((r) => socket.once('connect', r));
  const client = new Client();
  client.conn = new H2Connection(socket, client, { role: 'client' });
  client.conn.start();
  await client.conn.ready;
  return client;
}

interface Round {
  reqPerSec: number;
  cpuUsPerReq: number;
  serverCpuUsPerReq: number;
}

/** The server child's CPU meter: mark() starts it, read() gives µs since the mark (0 when the server is in this process). */
interface ServerMeter {
  mark(): void;
  read(): Promise<number>;
}

async function round(client: Client, concurrency: number, ms: number, server: ServerMeter): Promise<Round> {
  client.running = true;
  for (let i = 0; i < concurrency; i++) client.start();
  await new Promise((r) => setTimeout(r, 500)); // warm-up
  server.mark();
  const done0 = client.completed;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await new Promise((r) => setTimeout(r, ms));
  const cpu = process.cpuUsage(cpu0);
  const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
  const n = client.completed - done0;
  const serverCpu = await server.read();
  client.running = false;
  while (client.conn.activeStreams > 0) await new Promise((r) => setTimeout(r, 10));
  return { reqPerSec: n / elapsed, cpuUsPerReq: (cpu.user + cpu.system) / n, serverCpuUsPerReq: serverCpu / n };
}

async function main(): Promise<void> {
  if (isChild) {
    const server = await startServer();
    process.send!({ port: server.port });
    let cpu0 = process.cpuUsage();
    process.on('message', (m: { type: string }) => {
      if (m.type === 'mark') cpu0 = process.cpuUsage();
      if (m.type === 'read') {
        const c = process.cpuUsage(cpu0);
        process.send!({ cpu: c.user + c.system });
      }
      if (m.type === 'exit') {
        server.close();
        process.disconnect();
      }
    });
    return;
  }

  let port: number;
  let closeServer: () => void;
  let child: ReturnType<typeof fork> | undefined;
  if (split) {
    child = fork(new URL(import.meta.url).pathname, ['--server-child'], { execArgv: ['--import=tsx'] });
    port = await new Promise<number>((resolve) => child!.once('message', (m: { port: number }) => resolve(m.port)));
    closeServer = () => child!.send({ type: 'exit' });
  } else {
    const server = await startServer();
    port = server.port;
    closeServer = server.close;
  }
  const meter: ServerMeter = {
    mark: () => child?.send({ type: 'mark' }),
    read: async () =>
      child === undefined
        ? 0
        : new Promise((resolve) => {
            child!.once('message', (m: { cpu: number }) => resolve(m.cpu));
            child!.send({ type: 'read' });
          }),
  };

  console.log(`node ${process.version}, ${seconds} s per round, ${split ? 'server in a child process' : 'client and server in this process'}`);
  for (const concurrency of [1, 16]) {
    const client = await connectClient(port);
    const r = await round(client, concurrency, seconds * 1000, meter);
    const line = `concurrency ${String(concurrency).padStart(2)}: ${Math.round(r.reqPerSec).toString().padStart(6)} req/s, ${r.cpuUsPerReq.toFixed(1)} µs CPU per exchange`;
    console.log(split ? `${line} (client process); server process ${r.serverCpuUsPerReq.toFixed(1)} µs` : `${line} (client + server)`);
    if (client.failures > 0) console.log(`  ${client.failures} exchanges were reset`);
    client.conn.close();
    await client.conn.closed;
  }
  closeServer();
}

await main();
