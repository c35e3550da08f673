#!/usr/bin/env node
// `npx mesh-proxy --sidecar-for <service-id>`: runs the TypeScript sources through tsx's loader.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
