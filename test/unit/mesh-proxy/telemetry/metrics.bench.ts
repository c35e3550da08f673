// Cost of recording one proxied request (active_streams inc/dec + requests_total inc + duration observe), in ns.
// Run: npx tsx test/unit/mesh-proxy/telemetry/metrics.bench.ts
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DURATION_BUCKETS_SECONDS, ProxyMetrics } from '../../../../mesh-proxy/src/telemetry/index.js';

const N = 1_000_000;
const ROUNDS = 7;

function bench(name: string, fn: (i: number) => void): void {
  for (let i = 0; i < 200_000; i++) fn(i); // warm up (JIT)
  const perOp: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < N; i++) fn(i);
    perOp.push(Number(process.hrtime.bigint() - t0) / N);
  }
  perOp.sort((a, b) => a - b);
  console.log(`${name.padEnd(58)} median ${perOp[ROUNDS >> 1]!.toFixed(0).padStart(5)} ns/request  (min ${perOp[0]!.toFixed(0)}, max ${perOp[ROUNDS - 1]!.toFixed(0)})`);
}

// Durations spread over the buckets, and a mix of codes (mostly OK), as a real upstream sees them.
const durations = Array.from({ length: 1024 }, (_, i) => 0.00005 * 1.01 ** i);
const codes = Array.from({ length: 1024 }, (_, i) => (i % 50 === 0 ? 14 : i % 97 === 0 ? 4 : 0));

const metrics = new ProxyMetrics();
const handle = metrics.requests('outbound', 'inventory');
bench('ProxyMetrics handle (cells, published on scrape)', (i) => {
  handle.started();
  handle.finished(codes[i & 1023]!, durations[i & 1023]!);
});

const registry = new Registry();
const counter = new Counter({ name: 'c_total', help: 'h', labelNames: ['direction', 'upstream', 'grpc_code'], registers: [registry] });
const histogram = new Histogram({ name: 'h_seconds', help: 'h', labelNames: ['direction', 'upstream'], buckets: [...DURATION_BUCKETS_SECONDS], registers: [registry] });
const gauge = new Gauge({ name: 'g', help: 'h', labelNames: ['direction', 'upstream'], registers: [registry] });
const boundActive = gauge.labels('outbound', 'inventory');
const boundDuration = histogram.labels('outbound', 'inventory');
const boundByCode = Array.from({ length: 17 }, (_, code) => counter.labels('outbound', 'inventory', `code-${code}`));
bench('prom-client pre-bound labels(...) children, cached per code', (i) => {
  boundActive.inc();
  boundActive.dec();
  boundByCode[codes[i & 1023]!]!.inc();
  boundDuration.observe(durations[i & 1023]!);
});

const names = ['OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED'];
bench('prom-client with a label object per call (no handles)', (i) => {
  const labels = { direction: 'outbound', upstream: 'inventory' };
  gauge.inc(labels);
  gauge.dec(labels);
  counter.inc({ ...labels, grpc_code: codes[i & 1023] === 14 ? 'UNAVAILABLE' : names[codes[i & 1023]!]! });
  histogram.observe(labels, durations[i & 1023]!);
});

let sink = 0;
bench('baseline: the loop and array reads alone', (i) => {
  sink += codes[i & 1023]! + durations[i & 1023]!;
});
if (sink < 0) console.log(sink);
console.log(`node ${process.version}, ${N.toLocaleString()} requests × ${ROUNDS} rounds`);
