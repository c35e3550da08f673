// A raw-bytes gRPC client (grpc-js) for the echo service: what a test app sends through the sidecar.
import { Client, Metadata, credentials, type ServiceError, type StatusObject } from '@grpc/grpc-js';
import { ECHO_SERVICE } from './echo-server.js';

const id = (b: Buffer) => b;

export interface EchoCallOptions {
  metadata?: Record<string, string | Buffer>;
  /** Relative deadline. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface EchoResult<T> {
  value: T;
  headers: Metadata;
  trailers: Metadata;
}

function metadataOf(o: EchoCallOptions): Metadata {
  const md = new Metadata();
  for (const [k, v] of Object.entries(o.metadata ?? {})) md.set(k, v);
  return md;
}

function options(o: EchoCallOptions) {
  return o.timeoutMs === undefined ? {} : { deadline: new Date(Date.now() + o.timeoutMs) };
}

export class EchoClient {
  readonly client: Client;

  constructor(address: string, channelOptions: Record<string, unknown> = {}) {
    this.client = new Client(address, credentials.createInsecure(), { 'grpc.max_receive_message_length': 64 << 20, 'grpc.max_send_message_length': 64 << 20, ...channelOptions });
  }

  unary(payload: Buffer, o: EchoCallOptions = {}): Promise<EchoResult<Buffer>> {
    return new Promise((resolve, reject) => {
      let headers = new Metadata();
      let trailers = new Metadata();
      let value: Buffer | undefined;
      const call = this.client.makeUnaryRequest(`/${ECHO_SERVICE}/Unary`, id, id, payload, metadataOf(o), options(o), (err: ServiceError | null, res?: Buffer) => {
        if (err) reject(err);
        else value = res;
      });
      call.on('metadata', (m: Metadata) => (headers = m));
      call.on('status', (s: StatusObject) => {
        trailers = s.metadata;
        if (value !== undefined) resolve({ value, headers, trailers });
      });
      o.signal?.addEventListener('abort', () => call.cancel(), { once: true });
    });
  }

  async serverStream(payload: Buffer, o: EchoCallOptions = {}): Promise<Buffer[]> {
    const call = this.client.makeServerStreamRequest(`/${ECHO_SERVICE}/ServerStream`, id, id, payload, metadataOf(o), options(o));
    o.signal?.addEventListener('abort', () => call.cancel(), { once: true });
    const out: Buffer[] = [];
    for await (const m of call) out.push(m as Buffer);
    return out;
  }

  clientStream(payloads: Buffer[], o: EchoCallOptions = {}): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const call = this.client.makeClientStreamRequest(`/${ECHO_SERVICE}/ClientStream`, id, id, metadataOf(o), options(o), (err: ServiceError | null, res?: Buffer) => (err ? reject(err) : resolve(res!)));
      for (const p of payloads) call.write(p);
      call.end();
    });
  }

  async bidi(payloads: Buffer[], o: EchoCallOptions = {}): Promise<Buffer[]> {
    const call = this.client.makeBidiStreamRequest(`/${ECHO_SERVICE}/Bidi`, id, id, metadataOf(o), options(o));
    const out: Buffer[] = [];
    const reading = (async () => {
      for await (const m of call) out.push(m as Buffer);
    })();
    for (const p of payloads) call.write(p);
    call.end();
    await reading;
    return out;
  }

  close(): void {
    this.client.close();
  }
}
