// ava helpers: start the real servers a test file needs once, before its tests, and always stop them.
import type { TestFn } from 'ava';
import {
  startConsul,
  startNats,
  startPostgres,
  type ConsulServer,
  type NatsServer,
  type PostgresServer,
} from '../../scripts/servers/index.js';

export interface Servers {
  consul?: ConsulServer;
  nats?: NatsServer;
  postgres?: PostgresServer;
}

export interface WhichServers {
  consul?: boolean;
  nats?: boolean;
  postgres?: boolean;
}

/** Servers, with the ones asked for as `true` typed as present. */
export type ServersFor<W extends WhichServers> = Servers & {
  [K in keyof Servers as K extends keyof W ? (W[K] extends true ? K : never) : never]-?: NonNullable<Servers[K]>;
};

/**
 * Registers test.before (starts the requested servers concurrently) and test.after.always (stops
 * them, even when tests failed); returns a getter for the running servers.
 */
export function useServers<const W extends WhichServers>(test: TestFn<any>, which: W): () => ServersFor<W> {
  const servers: Servers = {};
  let started = false;

  // serial: ava runs concurrent before hooks in parallel; the file's own before hooks must find the servers up.
  test.serial.before(async () => {
    const [consul, nats, postgres] = await Promise.allSettled([
      which.consul ? startConsul() : undefined,
      which.nats ? startNats() : undefined,
      which.postgres ? startPostgres() : undefined,
    ]);
    // Keep whatever did start, so after.always stops it even when another start failed.
    if (consul.status === 'fulfilled' && consul.value) servers.consul = consul.value;
    if (nats.status === 'fulfilled' && nats.value) servers.nats = nats.value;
    if (postgres.status === 'fulfilled' && postgres.value) servers.postgres = postgres.value;
    const failed = [consul, nats, postgres].find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    started = true;
  });

  test.after.always(async () => {
    await Promise.all([servers.consul?.stop(), servers.nats?.stop(), servers.postgres?.stop()]);
  });

  return () => {
    if (!started) throw new Error('servers are not running: call useServers() at the top level of the test file');
    return servers as ServersFor<W>;
  };
}
