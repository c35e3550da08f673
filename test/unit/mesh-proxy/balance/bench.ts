// Not a test: `npx tsx test/unit/mesh-proxy/balance/bench.ts` prints the cost of one pick per balancer and set size.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { BALANCER_KINDS, createBalancer, type BalancerKind } from '../../../../mesh-proxy/src/balance/index.js';
import { systemRandom } from '../../../../mesh-proxy/src/clock.js';
import type { Endpoint } from './randoms.js';

const PICKS = 2_000_000;

type Row = Record<string, string | number>;

function endpoints(n: number, weighted: boolean): Endpoint[] {
  return Array.from({ length: n }, (_, i) => ({ id: `10.0.0.${i}:8080`, weight: weighted ? 1 + (i % 3) : 1 }));
}

function nsPerOp(run: (times: number) => void): string {
  run(PICKS / 10); // warm up the JIT
  const start = process.hrtime.bigint();
  run(PICKS);
  return (Number(process.hrtime.bigint() - start) / PICKS).toFixed(1);
}

function measure(kind: BalancerKind): Row[] {
  const rows: Row[] = [];
  for (const n of [3, 50]) {
    for (const weighted of [false, true]) {
      const set = endpoints(n, weighted);
      const b = createBalancer<Endpoint>(kind, systemRandom); // Math.random, as in production
      b.update(set);
      const ejected = set[0]!.id;
      // What the router passes: not ejected, not tried yet (here: one endpoint out).
      const eligible = (e: Endpoint) => e.id !== ejected;
      let sink = 0;
      const row: Row = { kind, endpoints: n, weights: weighted ? '1,2,3,1…' : 'equal' };
      row['pick() ns'] = nsPerOp((times) => {
        for (let i = 0; i < times; i++) sink += b.pick()!.id.length;
      });
      row['pick(eligible) ns'] = nsPerOp((times) => {
        for (let i = 0; i < times; i++) sink += b.pick(eligible)!.id.length;
      });
      row['+ started/finished ns'] = nsPerOp((times) => {
        for (let i = 0; i < times; i++) {
          const e = b.pick(eligible)!;
          b.started(e);
          b.finished(e);
        }
      });
      if (sink === 0) throw new Error('nothing picked');
      rows.push(row);
    }
  }
  return rows;
}

const only = process.argv[2] as BalancerKind | undefined;
if (only !== undefined) {
  process.stdout.write(JSON.stringify(measure(only)));
} else {
  // One process per balancer, so each is measured with its own JIT feedback, as in a sidecar that runs one kind.
  const self = fileURLToPath(import.meta.url);
  const rows = BALANCER_KINDS.flatMap((kind) =>
    JSON.parse(execFileSync(process.execPath, [...process.execArgv, self, kind], { encoding: 'utf8' })) as Row[],
  );
  console.log(`node ${process.version}, ${PICKS.toLocaleString('en')} picks per cell; 'eligible' leaves one endpoint out`);
  console.table(rows);
}
