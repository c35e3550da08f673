// Not a test: ns per HPACK encode/decode of typical gRPC header blocks. Run: npx tsx test/unit/mesh-proxy/h2/hpack/bench.ts
//
// Steady state on one connection (the dynamic tables are warm), with the per-call fields
// (grpc-timeout, traceparent) different on every request, as a sidecar sees them.

import { HpackDecoder, HpackEncoder, type HeaderList } from '../../../../../mesh-proxy/src/h2/hpack/index.js';

const VARIANTS = 1024;
const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0').slice(-width);

const requests: HeaderList[] = Array.from({ length: VARIANTS }, (_, i) => [
  [':method', 'POST'],
  [':scheme', 'http'],
  [':path', '/shop.order.v1.OrderService/PlaceOrder'],
  [':authority', '127.0.0.1:50051'],
  ['content-type', 'application/grpc'],
  ['te', 'trailers'],
  ['grpc-timeout', `${999 - (i % 100)}m`],
  ['user-agent', 'grpc-node-js/1.14'],
  ['grpc-accept-encoding', 'identity,deflate,gzip'],
  ['traceparent', `00-${hex(i * 2654435761, 16)}${hex(i * 40503, 16)}-${hex(i * 97, 16)}-01`],
]);
const response: HeaderList = [
  [':status', '200'],
  ['content-type', 'application/grpc'],
];
const trailers: HeaderList = [
  ['grpc-status', '0'],
  ['grpc-message', ''],
];

function cpuNs(since: NodeJS.CpuUsage): number {
  const { user, system } = process.cpuUsage(since);
  return (user + system) * 1000;
}

function bench(label: string, lists: HeaderList[]): void {
  const encoder = new HpackEncoder();
  const decoder = new HpackDecoder();
  const n = lists.length;
  // Warm up the JIT and both tables, and keep the blocks to decode in the same order.
  const blocks: Buffer[] = [];
  for (let round = 0; round < 20; round++) for (let i = 0; i < n; i++) decoder.decode(encoder.encode(lists[i]!));
  for (let i = 0; i < n; i++) blocks.push(encoder.encode(lists[i]!));
  for (let i = 0; i < n; i++) decoder.decode(blocks[i]!);

  // CPU time, best of 5 rounds: the wall clock is noisy on a shared machine.
  const iterations = 100_000;
  let encodeNs = Infinity;
  let decodeNs = Infinity;
  let sink = 0;
  for (let round = 0; round < 5; round++) {
    let start = process.cpuUsage();
    for (let k = 0; k < iterations; k++) sink += encoder.encode(lists[k % n]!).length;
    encodeNs = Math.min(encodeNs, cpuNs(start) / iterations);
    start = process.cpuUsage();
    for (let k = 0; k < iterations; k++) sink += decoder.decode(blocks[k % n]!).length;
    decodeNs = Math.min(decodeNs, cpuNs(start) / iterations);
  }

  // The timed decodes replayed the same blocks: valid only if steady-state blocks insert nothing.
  for (let i = 0; i < n; i++) {
    if (JSON.stringify(decoder.decode(blocks[i]!)) !== JSON.stringify(lists[i])) throw new Error(`${label}: replay decoded wrong`);
  }
  const plain = lists[0]!.reduce((sum, [name, value]) => sum + name.length + value.length, 0);
  console.log(
    `${label.padEnd(9)} encode ${encodeNs.toFixed(0).padStart(5)} ns   decode ${decodeNs.toFixed(0).padStart(5)} ns   ` +
      `block ${blocks[1 % n]!.length} octets (fields ${plain} octets)${sink < 0 ? '!' : ''}`,
  );
}

bench('request', requests);
bench('response', [response]);
bench('trailers', [trailers]);
