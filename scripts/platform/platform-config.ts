// The layout `make up` starts (config/platform.yaml + env), validated like every other config.
import { z } from 'zod';
import { loadConfig } from '../../services/runtime/config/index.js';

const port = z.number().int().min(1).max(65535);

export const platformSchema = z
  .object({
    /** Where data and logs live, relative to the repository root. */
    dataDir: z.string().min(1),
    consul: z.object({ httpPort: port }).strict(),
    nats: z.object({ port }).strict(),
    postgres: z.object({ port }).strict(),
    sidecarAdminPortBase: port,
    readyTimeoutMs: z.number().int().min(1000),
    services: z
      .array(
        z
          .object({
            name: z.string().regex(/^[a-z][a-z0-9-]*$/),
            instances: z.array(z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/)).min(1),
          })
          .strict(),
      )
      .min(1),
  })
  .strict();

export type PlatformConfig = z.infer<typeof platformSchema>;

export function loadPlatformConfig(env: Record<string, string | undefined> = process.env): PlatformConfig {
  return loadConfig(platformSchema, {
    service: 'platform',
    files: ['platform.yaml'],
    env,
    envBindings: [
      { env: 'SHOPMESH_DATA_DIR', path: 'dataDir', type: 'string' },
      { env: 'SHOPMESH_CONSUL_HTTP_PORT', path: 'consul.httpPort', type: 'int' },
      { env: 'SHOPMESH_NATS_PORT', path: 'nats.port', type: 'int' },
      { env: 'SHOPMESH_POSTGRES_PORT', path: 'postgres.port', type: 'int' },
      { env: 'SHOPMESH_SIDECAR_ADMIN_PORT_BASE', path: 'sidecarAdminPortBase', type: 'int' },
    ],
  });
}
