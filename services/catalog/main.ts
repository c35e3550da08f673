// catalog process entry: `tsx services/catalog/main.ts` (config: config/services/catalog.yaml + env).
import { main } from '../runtime/bootstrap/index.js';
import { catalogSpec } from './service.js';

main(catalogSpec);
