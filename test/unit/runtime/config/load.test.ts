import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { z } from 'zod';
import { ConfigError, baseConfigSchema, loadConfig } from '../../../../services/runtime/config/index.js';
import { catalogConfigSchema } from '../../../../services/catalog/config.js';

const root = fs.mkdtempSync(os.tmpdir() + '/shopmesh-unit-');
test.after.always(() => fs.rmSync(root, { recursive: true, force: true }));

/** A complete, valid default.yaml: every test starts from it and changes one thing. */
const DEFAULT_YAML = `
service:
  version: 1.0.0
  instance: "1"
  region: local
  zone: local-a
  tags: [shop]
  weights: { passing: 10, warning: 1 }
  defaultTenant: default
server:
  host: 127.0.0.1
  port: 50000
consul:
  address: http://127.0.0.1:8500
  token: ""
  checkIntervalMs: 5000
  checkTimeoutMs: 2000
  deregisterCriticalAfterMs: 60000
  resyncIntervalMs: 30000
  requestTimeoutMs: 5000
database:
  url: postgres://postgres@127.0.0.1:5432/postgres
  poolMax: 10
  connectTimeoutMs: 5000
  idleTimeoutMs: 30000
  statementTimeoutMs: 10000
  migrationLeaseMs: 30000
nats:
  url: nats://127.0.0.1:4222
log:
  level: info
`;

const SERVICE_YAML = `
service:
  name: demo
  tags: [shop, demo]
server:
  port: 50101
sidecar:
  port: 21101
`;

let folders = 0;

/** Writes a config folder of its own (tests run concurrently) and returns its path. */
function configDir(files: { default?: string; service?: string; extra?: Record<string, string> } = {}): string {
  const dir = path.join(root, `case-${++folders}`);
  fs.mkdirSync(path.join(dir, 'services'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'default.yaml'), files.default ?? DEFAULT_YAML);
  fs.writeFileSync(path.join(dir, 'services', 'demo.yaml'), files.service ?? SERVICE_YAML);
  for (const [name, text] of Object.entries(files.extra ?? {})) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

function configError(t: ExecutionContext, fn: () => unknown): ConfigError {
  const err = t.throws(fn, { instanceOf: ConfigError });
  if (!err) throw new Error('loadConfig did not throw');
  return err;
}

test('config - default.yaml and services/<name>.yaml merge, the service file winning', (t) => {
  const config = loadConfig(baseConfigSchema, { service: 'demo', dir: configDir(), env: {} });
  t.is(config.service.name, 'demo');
  t.is(config.service.region, 'local');
  t.is(config.server.host, '127.0.0.1');
  t.is(config.server.port, 50101);
  t.is(config.sidecar.port, 21101);
  // Schema defaults fill what no layer set.
  t.is(config.server.shutdownGraceMs, 10_000);
  t.deepEqual(config.upstreams, []);
});

test('config - arrays replace, they do not merge', (t) => {
  const config = loadConfig(baseConfigSchema, { service: 'demo', dir: configDir(), env: {} });
  // default.yaml has [shop]; a merge would give [shop, shop, demo] or similar.
  t.deepEqual(config.service.tags, ['shop', 'demo']);
});

test('config - the SHOPMESH_CONFIG_FILE overlay overrides the service file, env overrides the overlay', (t) => {
  const dir = configDir({
    extra: { 'overlay.yaml': 'server:\n  port: 6000\n  host: 0.0.0.0\nservice:\n  tags: [overlay]\nlog:\n  level: debug\n' },
  });
  const config = loadConfig(baseConfigSchema, {
    service: 'demo',
    dir,
    env: { SHOPMESH_CONFIG_FILE: path.join(dir, 'overlay.yaml'), GRPC_PORT: '7000', LOG_LEVEL: 'warn' },
  });
  t.is(config.server.port, 7000);
  t.is(config.server.host, '0.0.0.0');
  t.deepEqual(config.service.tags, ['overlay']);
  t.is(config.log.level, 'warn');
  // Untouched values still come from the lower layers.
  t.is(config.sidecar.port, 21101);
  t.is(config.consul.checkIntervalMs, 5000);
});

test('config - env bindings set their property, parsed by type', (t) => {
  const config = loadConfig(baseConfigSchema, {
    service: 'demo',
    dir: configDir(),
    env: {
      GRPC_PORT: ' 50999 ',
      SERVICE_TAGS: 'a, b,,c ',
      SERVICE_INSTANCE: 'pod-7',
      SERVICE_WEIGHT_PASSING: '3',
      CONSUL_HTTP_ADDR: 'http://consul:8500',
      DATABASE_URL: 'postgresql://u@db:26257/catalog',
      SIDECAR_PORT: '0',
    },
  });
  t.is(config.server.port, 50999);
  t.deepEqual(config.service.tags, ['a', 'b', 'c']);
  t.is(config.service.instance, 'pod-7');
  t.deepEqual(config.service.weights, { passing: 3, warning: 1 });
  t.is(config.consul.address, 'http://consul:8500');
  t.is(config.database.url, 'postgresql://u@db:26257/catalog');
  t.is(config.sidecar.port, 0);
});

test('config - an empty env variable is ignored, not an override', (t) => {
  const config = loadConfig(baseConfigSchema, { service: 'demo', dir: configDir(), env: { GRPC_PORT: '', LOG_LEVEL: '' } });
  t.is(config.server.port, 50101);
  t.is(config.log.level, 'info');
});

test('config - an env integer that does not parse names the env var and the property', (t) => {
  const err = configError(t, () => loadConfig(baseConfigSchema, { service: 'demo', dir: configDir(), env: { GRPC_PORT: '50x' } }));
  t.deepEqual(err.problems, [{ path: 'server.port', source: 'env GRPC_PORT', message: 'expected an integer, got "50x"' }]);
  t.true(err.message.includes('server.port (env GRPC_PORT)'), err.message);
});

test('config - an env value that parses but breaks the schema names the env var', (t) => {
  const err = configError(t, () => loadConfig(baseConfigSchema, { service: 'demo', dir: configDir(), env: { GRPC_PORT: '70000' } }));
  t.is(err.problems.length, 1);
  t.like(err.problems[0], { path: 'server.port', source: 'env GRPC_PORT' });
});

test('config - a bad value from a file names the property and the file', (t) => {
  const dir = configDir({ service: SERVICE_YAML + 'log:\n  level: loud\n' });
  const err = configError(t, () => loadConfig(baseConfigSchema, { service: 'demo', dir, env: {} }));
  t.is(err.problems.length, 1);
  t.like(err.problems[0], { path: 'log.level', source: path.join(dir, 'services', 'demo.yaml') });
  t.true(err.message.includes(`log.level (${path.join(dir, 'services', 'demo.yaml')})`), err.message);
});

test('config - a bad value names the layer it came from, not the last file that touched its section', (t) => {
  // default.yaml sets consul.checkIntervalMs too low; the service file sets another consul key.
  const dir = configDir({
    default: DEFAULT_YAML.replace('checkIntervalMs: 5000', 'checkIntervalMs: 10'),
    service: SERVICE_YAML + 'consul:\n  token: abc\n',
  });
  const err = configError(t, () => loadConfig(baseConfigSchema, { service: 'demo', dir, env: {} }));
  t.is(err.problems.length, 1);
  t.like(err.problems[0], { path: 'consul.checkIntervalMs', source: path.join(dir, 'default.yaml') });
});

test('config - a missing required property is named', (t) => {
  const dir = configDir({ default: DEFAULT_YAML.replace('  region: local\n', '') });
  const err = configError(t, () => loadConfig(baseConfigSchema, { service: 'demo', dir, env: {} }));
  t.deepEqual(
    err.problems.map((p) => p.path),
    ['service.region'],
  );
  t.regex(err.problems[0]!.message, /undefined/);
});

test('config - a section set nowhere is reported as such', (t) => {
  const dir = configDir({ default: DEFAULT_YAML.replace('nats:\n  url: nats://127.0.0.1:4222\n', '') });
  const err = configError(t, () => loadConfig(baseConfigSchema, { service: 'demo', dir, env: {} }));
  t.deepEqual(
    err.problems.map((p) => `${p.path} (${p.source})`),
    ['nats (defaults (not set anywhere))'],
  );
});

test('config - an unknown key (a typo) is rejected, naming it and its file', (t) => {
  const dir = configDir({ service: SERVICE_YAML.replace('  port: 50101', '  port: 50101\n  prot: 50102') });
  const err = configError(t, () => loadConfig(baseConfigSchema, { service: 'demo', dir, env: {} }));
  t.is(err.problems.length, 1);
  t.like(err.problems[0], { path: 'server.prot', source: path.join(dir, 'services', 'demo.yaml') });
  t.regex(err.problems[0]!.message, /prot/);
});

test('config - an unknown top-level section is rejected', (t) => {
  const dir = configDir({ service: SERVICE_YAML + 'catalgo:\n  maxPageSize: 5\n' });
  const err = configError(t, () => loadConfig(baseConfigSchema, { service: 'demo', dir, env: {} }));
  t.deepEqual(
    err.problems.map((p) => p.path),
    ['catalgo'],
  );
});

test('config - several problems are reported at once', (t) => {
  const dir = configDir({ service: SERVICE_YAML.replace('port: 21101', 'port: -1') + 'log:\n  level: loud\nnats:\n  url: http://nats\n' });
  const err = configError(t, () => loadConfig(baseConfigSchema, { service: 'demo', dir, env: {} }));
  t.deepEqual(err.problems.map((p) => p.path).sort(), ['log.level', 'nats.url', 'sidecar.port']);
  for (const p of ['log.level', 'nats.url', 'sidecar.port']) t.true(err.message.includes(p), `${p} missing from: ${err.message}`);
});

test('config - several bad env variables are reported at once', (t) => {
  const err = configError(t, () =>
    loadConfig(baseConfigSchema, { service: 'demo', dir: configDir(), env: { GRPC_PORT: 'x', DATABASE_POOL_MAX: '1.5' } }),
  );
  t.deepEqual(
    err.problems.map((p) => `${p.path} (${p.source})`),
    ['server.port (env GRPC_PORT)', 'database.poolMax (env DATABASE_POOL_MAX)'],
  );
});

test('config - a service schema extends the base with its own section', (t) => {
  const schema = baseConfigSchema.extend({
    demo: z.object({ batchSize: z.number().int().min(1), label: z.string().default('x') }).strict(),
  });
  const dir = configDir({ service: SERVICE_YAML + 'demo:\n  batchSize: 25\n' });
  const config = loadConfig(schema, { service: 'demo', dir, env: {} });
  t.deepEqual(config.demo, { batchSize: 25, label: 'x' });
  t.is(config.server.port, 50101);

  const bad = configDir({ service: SERVICE_YAML + 'demo:\n  batchSize: 0\n' });
  const err = configError(t, () => loadConfig(schema, { service: 'demo', dir: bad, env: {} }));
  t.like(err.problems[0], { path: 'demo.batchSize', source: path.join(bad, 'services', 'demo.yaml') });
});

test('config - a service env binding sets its own section', (t) => {
  const schema = baseConfigSchema.extend({ demo: z.object({ batchSize: z.number().int() }).strict() });
  const dir = configDir({ service: SERVICE_YAML + 'demo:\n  batchSize: 25\n' });
  const config = loadConfig(schema, {
    service: 'demo',
    dir,
    env: { DEMO_BATCH: '40' },
    envBindings: [{ env: 'DEMO_BATCH', path: 'demo.batchSize', type: 'int' }],
  });
  t.is(config.demo.batchSize, 40);
});

test('config - a missing service file is skipped, so only the schema complains', (t) => {
  const dir = configDir({ default: DEFAULT_YAML + 'sidecar:\n  port: 0\n' });
  fs.rmSync(path.join(dir, 'services', 'demo.yaml'));
  const err = configError(t, () => loadConfig(baseConfigSchema, { service: 'demo', dir, env: {} }));
  // Nothing about the file itself: the name that only the service file sets is missing.
  t.deepEqual(
    err.problems.map((p) => p.path),
    ['service.name'],
  );
});

test('config - a missing overlay file is an error naming SHOPMESH_CONFIG_FILE', (t) => {
  const dir = configDir();
  const missing = path.join(dir, 'nope.yaml');
  const err = configError(t, () => loadConfig(baseConfigSchema, { service: 'demo', dir, env: { SHOPMESH_CONFIG_FILE: missing } }));
  t.deepEqual(err.problems, [{ path: '(file)', source: 'env SHOPMESH_CONFIG_FILE', message: `${missing} does not exist` }]);
});

test('config - invalid YAML names the file', (t) => {
  const dir = configDir({ service: 'server:\n  port: [50101\n' });
  const err = configError(t, () => loadConfig(baseConfigSchema, { service: 'demo', dir, env: {} }));
  t.is(err.problems.length, 1);
  t.like(err.problems[0], { path: '(file)', source: path.join(dir, 'services', 'demo.yaml') });
  t.regex(err.problems[0]!.message, /^not valid YAML: /);
});

test('config - a file that is not a mapping is rejected, naming it', (t) => {
  const dir = configDir({ service: '- a\n- b\n' });
  const err = configError(t, () => loadConfig(baseConfigSchema, { service: 'demo', dir, env: {} }));
  t.deepEqual(err.problems, [{ path: '(file)', source: path.join(dir, 'services', 'demo.yaml'), message: 'must hold a mapping of sections' }]);
});

test('config - the repository config for catalog loads', (t) => {
  const config = loadConfig(catalogConfigSchema, { service: 'catalog', env: {} });
  t.is(config.service.name, 'catalog');
  t.is(config.server.port, 50101);
  t.is(config.catalog.maxPageSize, 100);
  t.is(config.catalog.defaultPageSize, 20);
});
