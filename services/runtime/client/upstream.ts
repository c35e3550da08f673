// How service code reaches another service: only through its own sidecar's upstream port.
import type { GenService, GenServiceMethods } from '@bufbuild/protobuf/codegenv2';
import type { UpstreamConfig } from '../config/index.js';
import { createClient, type ClientOptions, type ServiceClient } from './grpc-client.js';

/** The loopback address of the sidecar listener for `name`; an undeclared upstream is a wiring bug. */
export function upstreamAddress(upstreams: readonly UpstreamConfig[], name: string): string {
  const upstream = upstreams.find((u) => u.destinationName === name);
  if (upstream === undefined) {
    const declared = upstreams.map((u) => u.destinationName).join(', ') || 'none';
    throw new Error(`upstream "${name}" is not declared in this service's config (upstreams: ${declared}); add it so the sidecar listens for it`);
  }
  return `127.0.0.1:${upstream.localBindPort}`;
}

/** A client for another service, through the sidecar (the mesh does discovery, balancing, retries, mTLS). */
export function upstreamClient<T extends GenServiceMethods>(upstreams: readonly UpstreamConfig[], name: string, service: GenService<T>, options?: ClientOptions): ServiceClient<T> {
  return createClient(service, upstreamAddress(upstreams, name), options);
}
