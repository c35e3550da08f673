// catalog's configuration: the shared sections plus its own.
import { z } from 'zod';
import { baseConfigSchema } from '../runtime/config/index.js';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

export const catalogConfigSchema = baseConfigSchema.extend({
  catalog: z
    .object({
      defaultPageSize: z.number().int().min(1).max(1000).default(DEFAULT_PAGE_SIZE),
      maxPageSize: z.number().int().min(1).max(1000).default(MAX_PAGE_SIZE),
    })
    .strict()
    .refine((c) => c.defaultPageSize <= c.maxPageSize, { message: 'defaultPageSize must not exceed maxPageSize', path: ['defaultPageSize'] })
    .default({ defaultPageSize: DEFAULT_PAGE_SIZE, maxPageSize: MAX_PAGE_SIZE }),
});

export type CatalogConfig = z.infer<typeof catalogConfigSchema>;
