// The tenant a call acts for, as a context value filled by an interceptor.
import { createContextKey, type CallContext, type Interceptor } from './server/index.js';

export const TENANT = createContextKey<string | undefined>(undefined, 'tenant');

/** The call's tenant; a handler reached without a tenant interceptor is a wiring bug. */
export function tenantOf(ctx: CallContext): string {
  const tenant = ctx.values.get(TENANT);
  if (tenant === undefined) throw new Error(`no tenant interceptor on ${ctx.path}`);
  return tenant;
}

/**
 * Every call acts for the configured default tenant. A placeholder for the identity
 * service's verified access tokens (issue 5), which will set the tenant from the token;
 * the client is never trusted to name its tenant.
 */
export function defaultTenantInterceptor(tenantId: string): Interceptor {
  return (next) => (ctx) => {
    ctx.values.set(TENANT, tenantId);
    return next(ctx);
  };
}
