// Admin: the sidecar's HTTP port for operators and Prometheus (/metrics, /ready, /clusters, /config).
export { startAdminServer, DEFAULT_ADMIN_HOST, type AdminServer, type AdminServerOptions } from './admin-server.js';
export type { AdminSources, Readiness } from './routes.js';
