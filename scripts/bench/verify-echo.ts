// One real gRPC call (grpc-js) per configuration before any load: it must come back OK with the very bytes sent.
import { randomBytes } from 'node:crypto';
import { EchoClient } from '../../test/support/echo/echo-client.js';
import { PAYLOAD_BYTES } from './h2load-run.js';

const DEADLINE_MS = 5_000;

/** Throws unless a unary call to `address` echoes its payload with grpc-status 0 (grpc-js rejects any other status). */
export async function verifyEcho(address: string, what: string): Promise<void> {
  const client = new EchoClient(address);
  try {
    const payload = randomBytes(PAYLOAD_BYTES);
    const { value } = await client.unary(payload, { timeoutMs: DEADLINE_MS });
    if (!value.equals(payload)) throw new Error(`${what} answered ${value.length} bytes that are not the ${payload.length} sent`);
  } catch (err) {
    throw new Error(`verification call through ${what} (${address}) failed: ${(err as Error).message}`, { cause: err });
  } finally {
    client.close();
  }
}
