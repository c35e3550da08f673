// The sidecar's logger (pino, JSON lines): every line names the proxy and its service; header values only from an allow-list.
//
// The proxy never decodes messages, so bodies cannot reach its logs; headers can (metadata carries tokens,
// cookies, user ids), so any object logged under `headers` keeps the names but only allow-listed values.
import { pino, type DestinationStream, type LevelWithSilent, type Logger } from 'pino';

export type { Logger };

/** Headers whose values are protocol facts, safe and useful in logs. Anything else is logged as "[redacted]". */
export const LOGGED_HEADER_VALUES: ReadonlySet<string> = new Set([
  ':method',
  ':path',
  ':scheme',
  ':authority',
  ':status',
  'content-type',
  'te',
  'user-agent',
  'grpc-timeout',
  'grpc-encoding',
  'grpc-accept-encoding',
  'grpc-status',
  // Ids only (W3C Trace Context), and what ties a log line to a trace. tracestate is vendor data: redacted.
  'traceparent',
]);

export const REDACTED = '[redacted]';

export type LoggableHeaders = Iterable<readonly [string, string]> | Readonly<Record<string, string | readonly string[] | undefined>>;

/** Header names with their values only where allow-listed (names compared lower-case). */
export function safeHeaders(headers: LoggableHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  const add = (name: string, value: string) => {
    const lower = name.toLowerCase();
    const shown = LOGGED_HEADER_VALUES.has(lower) ? value : REDACTED;
    out[lower] = lower in out && shown !== REDACTED ? `${out[lower]}, ${shown}` : shown;
  };
  if (Symbol.iterator in headers) {
    for (const [name, value] of headers as Iterable<readonly [string, string]>) add(name, value);
  } else {
    for (const [name, value] of Object.entries(headers as Record<string, string | readonly string[] | undefined>)) {
      if (value !== undefined) add(name, typeof value === 'string' ? value : value.join(', '));
    }
  }
  return out;
}

export interface SidecarLogOptions {
  /** The proxy's Consul service ID, e.g. orders-1-sidecar-proxy. */
  proxyId: string;
  /** The service it fronts, e.g. orders. */
  service: string;
  level?: LevelWithSilent;
  /** Where lines go; stdout by default. */
  destination?: DestinationStream;
}

export function createLogger(options: SidecarLogOptions): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { proxyId: options.proxyId, service: options.service },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      serializers: { headers: (h: LoggableHeaders) => safeHeaders(h), err: pino.stdSerializers.err },
      // Defence in depth for objects logged under other keys by mistake.
      redact: { paths: ['authorization', '*.authorization', 'cookie', '*.cookie', 'token', '*.token'], censor: REDACTED },
    },
    options.destination ?? pino.destination(1),
  );
}
