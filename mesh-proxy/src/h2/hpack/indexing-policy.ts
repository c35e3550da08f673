// Which header fields the encoder adds to its dynamic table, which it never indexes, and why.
//
// The dynamic table pays when a field repeats on the connection: a repeat costs one octet. It
// costs when values change per request: each insert evicts something that might have repeated.
// gRPC traffic is very regular, so the choices are per name:
//
// - 'index' (the default): `:authority`, `content-type`, `te`, `user-agent`, `grpc-accept-encoding`,
//   `grpc-status`, custom metadata. Also `:path`: a gRPC path names a method, and a connection
//   carries a handful of them over and over (/pkg.Service/Method), so after the first call a path
//   is one octet. A REST-style path with ids would churn the table, but the sidecar only relays
//   gRPC, and the encoder never indexes an entry bigger than 3/4 of the table (it would flush it).
// - 'vary': values that change per request (deadlines, trace and request ids, lengths, error
//   text, binary metadata). Sent "without indexing" (RFC 7541 §6.2.2) but with an indexed name;
//   when the name is in neither table, the first such field is inserted once so the name gets
//   an index: one entry per name, not one per request.
// - 'never': credentials (RFC 7541 §7.1.3). "Never indexed" keeps them out of our table and tells
//   every intermediary after us to do the same, so a CRIME-style probe cannot guess them by size.

export type IndexingPolicy = 'index' | 'vary' | 'never';

const POLICIES: ReadonlyMap<string, IndexingPolicy> = new Map<string, IndexingPolicy>([
  ['authorization', 'never'],
  ['proxy-authorization', 'never'],
  ['cookie', 'never'],
  ['set-cookie', 'never'],
  ['grpc-timeout', 'vary'],
  ['grpc-message', 'vary'],
  ['content-length', 'vary'],
  ['date', 'vary'],
  ['traceparent', 'vary'],
  ['tracestate', 'vary'],
  ['x-request-id', 'vary'],
  ['x-b3-traceid', 'vary'],
  ['x-b3-spanid', 'vary'],
  ['x-b3-parentspanid', 'vary'],
  ['b3', 'vary'],
]);

/** Names with a policy of their own (the rest are 'index', or 'vary' for binary metadata). */
export const NAMES_WITH_POLICY: readonly string[] = [...POLICIES.keys()];

/** How the encoder treats a field with this name (lower-case). */
export function indexingPolicy(name: string): IndexingPolicy {
  const policy = POLICIES.get(name);
  if (policy !== undefined) return policy;
  // Binary metadata (grpc-trace-bin, grpc-status-details-bin, ...) is base64 of per-call protobufs.
  return name.endsWith('-bin') ? 'vary' : 'index';
}
