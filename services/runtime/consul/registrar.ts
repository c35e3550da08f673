// Keeps one service instance registered in the local Consul agent for as long as it runs.
import { backoffMs, systemClock, systemRandom, type Clock, type Random } from '../clock.js';
import type { Logger } from '../log.js';
import type { AgentServiceRegistration, ConsulAgentClient } from './agent-client.js';

export const DEFAULT_RETRY_BASE_MS = 200;
export const DEFAULT_RETRY_CAP_MS = 10_000;

export interface RegistrarOptions {
  client: ConsulAgentClient;
  registration: AgentServiceRegistration;
  log: Logger;
  /** How often to check that the agent still has the registration (a restarted dev agent forgets it). */
  resyncIntervalMs: number;
  clock?: Clock;
  random?: Random;
}

/**
 * Registers with retries (Consul may start after the service), then re-checks every
 * resyncIntervalMs and registers again when the agent lost it. stop() deregisters.
 */
export class Registrar {
  private readonly stopping = new AbortController();
  private loop: Promise<void> | undefined;
  private resolveRegistered!: () => void;
  /** Resolves once the first registration succeeded. */
  readonly registered = new Promise<void>((resolve) => (this.resolveRegistered = resolve));

  constructor(private readonly options: RegistrarOptions) {}

  get serviceId(): string {
    return this.options.registration.ID;
  }

  start(): void {
    this.loop ??= this.run().catch((err: unknown) => {
      if (!this.stopping.signal.aborted) this.options.log.error({ err }, 'consul registration loop failed');
    });
  }

  /** Stops the loop and deregisters; never throws (shutdown must go on), logs instead. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.loop;
    try {
      await this.options.client.deregisterService(this.serviceId);
      this.options.log.info({ serviceId: this.serviceId }, 'deregistered from consul');
    } catch (err) {
      this.options.log.warn({ err, serviceId: this.serviceId }, 'consul deregistration failed');
    }
  }

  private async run(): Promise<void> {
    const { client, registration, log } = this.options;
    const clock = this.options.clock ?? systemClock;
    const random = this.options.random ?? systemRandom;
    const signal = this.stopping.signal;
    let failures = 0;
    let registered = false;
    while (!signal.aborted) {
      try {
        if (!registered || (await client.getService(this.serviceId, signal)) === undefined) {
          if (registered) log.warn({ serviceId: this.serviceId }, 'consul lost the registration, registering again');
          await client.registerService(registration, signal);
          if (!registered) log.info({ serviceId: this.serviceId, port: registration.Port }, 'registered in consul');
          registered = true;
          this.resolveRegistered();
        }
        failures = 0;
        await clock.sleep(this.options.resyncIntervalMs, signal);
      } catch (err) {
        if (signal.aborted) return;
        failures++;
        const wait = backoffMs(failures, DEFAULT_RETRY_BASE_MS, DEFAULT_RETRY_CAP_MS, random);
        log.warn({ err: (err as Error).message, attempt: failures, retryInMs: wait }, 'consul registration failed, retrying');
        await clock.sleep(wait, signal).catch(() => undefined);
      }
    }
  }
}
