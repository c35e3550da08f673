// The catalog service as the runtime starts it: config schema, migrations, gRPC services.
import { fileURLToPath } from 'node:url';
import type { ServiceSpec } from '../runtime/bootstrap/index.js';
import { defaultTenantInterceptor } from '../runtime/tenant.js';
import { catalogService } from './catalog-handlers.js';
import { catalogConfigSchema, type CatalogConfig } from './config.js';
import { ProductStore } from './product-store.js';

export const catalogSpec: ServiceSpec<CatalogConfig> = {
  name: 'catalog',
  configSchema: catalogConfigSchema,
  migrationsDir: fileURLToPath(new URL('./migrations/', import.meta.url)),
  services: ({ config, pool, clock }) => [catalogService(new ProductStore(pool, clock, config.database.statementTimeoutMs), config.catalog)],
  interceptors: ({ config }) => [defaultTenantInterceptor(config.service.defaultTenant)],
};
