// The typed configuration every service shares; a service extends it with its own section.
import { z } from 'zod';

const port = z.number().int().min(0).max(65535);
/** A duration in milliseconds. */
const ms = z.number().int().min(0);
const name = z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, 'lower-case letters, digits and dashes, starting with a letter');

export const DEFAULT_SHUTDOWN_GRACE_MS = 10_000;
export const DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

export const serviceSection = z
  .object({
    /** Logical service name in Consul ("catalog"). */
    name,
    /** Instance name; the Consul service ID is `<name>-<instance>`. */
    instance: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, "_", "." or "-", at most 64'),
    version: z.string().min(1),
    region: z.string().min(1),
    zone: z.string().min(1),
    tags: z.array(z.string().min(1)).default([]),
    /** Consul Weights: share of traffic while passing and while warning. */
    weights: z.object({ passing: z.number().int().min(1).max(65535), warning: z.number().int().min(0).max(65535) }).strict(),
    /** Tenant used until the identity issue brings authenticated tenants. */
    defaultTenant: z.string().min(1),
  })
  .strict();

export const serverSection = z
  .object({
    /** Address the gRPC server binds; loopback because only the sidecar should reach it. */
    host: z.string().min(1),
    /** gRPC port; 0 picks a free one (tests). */
    port,
    /** Address registered in Consul; defaults to host. */
    advertiseAddress: z.string().min(1).optional(),
    /** How long in-flight calls may run after SIGTERM before they are cancelled. */
    shutdownGraceMs: ms.default(DEFAULT_SHUTDOWN_GRACE_MS),
    maxMessageBytes: z.number().int().min(1024).default(DEFAULT_MAX_MESSAGE_BYTES),
  })
  .strict();

export const upstreamSection = z
  .object({
    /** The service this one calls ("inventory"). */
    destinationName: name,
    /** Loopback port where the sidecar listens for calls to it. */
    localBindPort: port.min(1),
  })
  .strict();

export const sidecarSection = z
  .object({
    /** Inbound (mTLS) port of this instance's sidecar; 0 lets Consul pick one (21000-21255). */
    port,
  })
  .strict();

export const consulSection = z
  .object({
    /** The local agent, e.g. http://127.0.0.1:8500 (env CONSUL_HTTP_ADDR). */
    address: z.url({ protocol: /^https?$/ }),
    /** ACL token (env CONSUL_HTTP_TOKEN); empty for none. */
    token: z.string(),
    checkIntervalMs: ms.min(1000),
    checkTimeoutMs: ms.min(100),
    /** Consul removes an instance whose check stays critical this long (minimum 1 minute). */
    deregisterCriticalAfterMs: ms.min(60_000),
    /** How often the registration is re-checked and restored if the agent lost it. */
    resyncIntervalMs: ms.min(1000),
    requestTimeoutMs: ms.min(100),
  })
  .strict();

export const databaseSection = z
  .object({
    /** postgres:// URL of this service's own database (env DATABASE_URL). */
    url: z.string().regex(/^postgres(ql)?:\/\//, 'a postgres:// or postgresql:// URL'),
    poolMax: z.number().int().min(1).max(1000),
    connectTimeoutMs: ms.min(100),
    idleTimeoutMs: ms,
    statementTimeoutMs: ms,
    /** A migration lease held longer than this by a dead instance is taken over. */
    migrationLeaseMs: ms.min(1000),
    /** How long start-up waits for the database to answer before giving up (it may start after us). */
    startupWaitMs: ms.default(30_000),
  })
  .strict();

export const natsSection = z
  .object({
    /** nats:// URL (env NATS_URL). */
    url: z.string().regex(/^(nats|tls):\/\//, 'a nats:// or tls:// URL'),
  })
  .strict();

export const logSection = z
  .object({
    level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  })
  .strict();

/** Every service's configuration; services add their own section under their name. */
export const baseConfigSchema = z
  .object({
    service: serviceSection,
    server: serverSection,
    sidecar: sidecarSection,
    upstreams: z.array(upstreamSection).default([]),
    consul: consulSection,
    database: databaseSection,
    nats: natsSection,
    log: logSection,
  })
  .strict();

export type BaseConfig = z.infer<typeof baseConfigSchema>;
export type UpstreamConfig = z.infer<typeof upstreamSection>;
