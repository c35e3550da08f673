import test from 'ava';
import { pino } from 'pino';
import { FakeClock } from '../../../support/fake-clock.js';
import type { AgentServiceRegistration, ConsulAgentClient } from '../../../../services/runtime/consul/agent-client.js';
import { buildRegistration } from '../../../../services/runtime/consul/registration.js';
import { Registrar } from '../../../../services/runtime/consul/registrar.js';

const RESYNC_MS = 30_000;
const silent = pino({ level: 'silent' });

const registration = buildRegistration({
  name: 'catalog',
  instance: '2',
  version: '1.0.0',
  region: 'local',
  zone: 'local-a',
  tags: [],
  weights: { passing: 10, warning: 1 },
  address: '127.0.0.1',
  port: 50101,
  sidecarPort: 0,
  upstreams: [],
  checkIntervalMs: 5000,
  checkTimeoutMs: 2000,
  deregisterCriticalAfterMs: 60_000,
});

/** Stands in for the agent: records every call; each method's behaviour can be scripted. */
class FakeConsul {
  readonly calls: string[] = [];
  readonly registered: AgentServiceRegistration[] = [];
  registerSignals: Array<AbortSignal | undefined> = [];
  register: (n: number) => void = () => undefined;
  lookup: (n: number) => Record<string, unknown> | undefined = () => ({ ID: registration.ID });
  deregister: () => void = () => undefined;

  async registerService(r: AgentServiceRegistration, signal?: AbortSignal): Promise<void> {
    this.calls.push('register');
    this.registerSignals.push(signal);
    this.register(this.calls.filter((c) => c === 'register').length);
    this.registered.push(r);
  }

  async getService(id: string): Promise<Record<string, unknown> | undefined> {
    this.calls.push(`get ${id}`);
    return this.lookup(this.calls.filter((c) => c.startsWith('get ')).length);
  }

  async deregisterService(id: string): Promise<void> {
    this.calls.push(`deregister ${id}`);
    this.deregister();
  }

  get client(): ConsulAgentClient {
    return this as unknown as ConsulAgentClient;
  }
}

/** Lets the loop run until it waits on the clock again. */
async function untilSleeping(clock: FakeClock): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (clock.pending > 0) return;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error('the registrar never went to sleep');
}

function setup(consul: FakeConsul, log = silent) {
  const clock = new FakeClock();
  const registrar = new Registrar({ client: consul.client, registration, log, resyncIntervalMs: RESYNC_MS, clock, random: () => 0.5 });
  return { clock, registrar };
}

test('registrar - registers on start and resolves registered', async (t) => {
  const consul = new FakeConsul();
  const { clock, registrar } = setup(consul);
  t.is(registrar.serviceId, 'catalog-2');
  registrar.start();
  await registrar.registered;
  t.deepEqual(consul.calls, ['register']);
  t.is(consul.registered[0], registration);
  await untilSleeping(clock);
  t.deepEqual(clock.sleeps, [RESYNC_MS]);
  await registrar.stop();
});

test('registrar - start twice runs one loop', async (t) => {
  const consul = new FakeConsul();
  const { clock, registrar } = setup(consul);
  registrar.start();
  registrar.start();
  await registrar.registered;
  await untilSleeping(clock);
  t.deepEqual(consul.calls, ['register']);
  t.is(clock.pending, 1);
  await registrar.stop();
});

test('registrar - retries with capped exponential backoff until the agent accepts', async (t) => {
  const consul = new FakeConsul();
  consul.register = (n) => {
    if (n <= 8) throw new Error('connect ECONNREFUSED 127.0.0.1:8500');
  };
  const { clock, registrar } = setup(consul);
  let done = false;
  void registrar.registered.then(() => (done = true));
  registrar.start();
  // random() = 0.5 of a ceiling of 200ms doubling per attempt, capped at 10s.
  const expected = [100, 200, 400, 800, 1600, 3200, 5000, 5000];
  for (const [i, wait] of expected.entries()) {
    await untilSleeping(clock);
    t.deepEqual(clock.sleeps, expected.slice(0, i + 1));
    t.false(done);
    await clock.advance(wait);
  }
  await registrar.registered;
  t.is(consul.calls.filter((c) => c === 'register').length, 9);
  await untilSleeping(clock);
  t.deepEqual(clock.sleeps, [...expected, RESYNC_MS]);
  await registrar.stop();
});

test('registrar - after a success the backoff starts again from the first step', async (t) => {
  const consul = new FakeConsul();
  consul.register = (n) => {
    if (n === 1 || n === 2 || n === 4) throw new Error('agent down');
  };
  consul.lookup = () => undefined;
  const { clock, registrar } = setup(consul);
  registrar.start();
  await untilSleeping(clock);
  await clock.advance(100);
  await untilSleeping(clock);
  await clock.advance(200);
  await registrar.registered;
  await untilSleeping(clock);
  // Resync: the agent lost it, registering again fails once, then succeeds.
  await clock.advance(RESYNC_MS);
  await untilSleeping(clock);
  t.deepEqual(clock.sleeps, [100, 200, RESYNC_MS, 100]);
  await clock.advance(100);
  await untilSleeping(clock);
  t.is(consul.calls.filter((c) => c === 'register').length, 5);
  await registrar.stop();
});

test('registrar - registers again when a resync finds the agent lost the registration', async (t) => {
  const consul = new FakeConsul();
  consul.lookup = (n) => (n === 1 ? undefined : { ID: registration.ID });
  const { clock, registrar } = setup(consul);
  registrar.start();
  await registrar.registered;
  await untilSleeping(clock);
  await clock.advance(RESYNC_MS);
  await untilSleeping(clock);
  t.deepEqual(consul.calls, ['register', 'get catalog-2', 'register']);
  t.is(consul.registered[1], registration);
  await clock.advance(RESYNC_MS);
  await untilSleeping(clock);
  // Still there: nothing to do.
  t.deepEqual(consul.calls, ['register', 'get catalog-2', 'register', 'get catalog-2']);
  t.deepEqual(clock.sleeps, [RESYNC_MS, RESYNC_MS, RESYNC_MS]);
  await registrar.stop();
});

test('registrar - a failed resync check backs off and checks again, without registering', async (t) => {
  const consul = new FakeConsul();
  consul.lookup = (n) => {
    if (n === 1) throw new Error('agent timeout');
    return { ID: registration.ID };
  };
  const { clock, registrar } = setup(consul);
  registrar.start();
  await registrar.registered;
  await untilSleeping(clock);
  await clock.advance(RESYNC_MS);
  await untilSleeping(clock);
  t.deepEqual(clock.sleeps, [RESYNC_MS, 100]);
  await clock.advance(100);
  await untilSleeping(clock);
  t.deepEqual(consul.calls, ['register', 'get catalog-2', 'get catalog-2']);
  t.deepEqual(clock.sleeps, [RESYNC_MS, 100, RESYNC_MS]);
  await registrar.stop();
});

test('registrar - stop() deregisters and ends the loop', async (t) => {
  const consul = new FakeConsul();
  const { clock, registrar } = setup(consul);
  registrar.start();
  await registrar.registered;
  await untilSleeping(clock);
  await registrar.stop();
  t.deepEqual(consul.calls, ['register', 'deregister catalog-2']);
  t.is(clock.pending, 0);
  t.true(consul.registerSignals[0]?.aborted);
  // Time passing after stop does nothing.
  await clock.advance(RESYNC_MS * 3);
  t.deepEqual(consul.calls, ['register', 'deregister catalog-2']);
});

test('registrar - stop() during a retry backoff ends the loop and still deregisters', async (t) => {
  const consul = new FakeConsul();
  consul.register = () => {
    throw new Error('agent down');
  };
  const { clock, registrar } = setup(consul);
  registrar.start();
  await untilSleeping(clock);
  await registrar.stop();
  t.deepEqual(consul.calls, ['register', 'deregister catalog-2']);
  t.is(clock.pending, 0);
  await clock.advance(10_000);
  t.deepEqual(consul.calls, ['register', 'deregister catalog-2']);
});

test('registrar - a deregister failure is logged, not thrown', async (t) => {
  const lines: string[] = [];
  const log = pino({ level: 'warn' }, { write: (s: string) => void lines.push(s) });
  const consul = new FakeConsul();
  consul.deregister = () => {
    throw new Error('agent gone');
  };
  const { clock, registrar } = setup(consul, log);
  registrar.start();
  await registrar.registered;
  await untilSleeping(clock);
  await t.notThrowsAsync(registrar.stop());
  t.deepEqual(consul.calls, ['register', 'deregister catalog-2']);
  const logged = lines.map((l) => JSON.parse(l) as { level: number; msg: string; serviceId?: string; err?: { message?: string } });
  t.is(logged.length, 1);
  t.like(logged[0], { level: 40, msg: 'consul deregistration failed', serviceId: 'catalog-2', err: { message: 'agent gone' } });
});
