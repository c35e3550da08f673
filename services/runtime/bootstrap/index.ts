// Bootstrap: how a service process starts, becomes ready, registers and stops.
export { startService, type ServiceSpec, type ServiceDeps, type StartOptions, type RunningService } from './start-service.js';
export { main, EXIT_CONFIG } from './main.js';
