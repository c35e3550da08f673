// Structured JSON logs (pino): ids and outcomes, never message bodies or secrets.
import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

/**
 * Paths redacted wherever they appear in a log object: credentials, tokens and card data
 * must not reach logs even when someone logs a whole object by mistake.
 */
export const REDACT_PATHS = [
  'password',
  '*.password',
  'token',
  '*.token',
  'accessToken',
  '*.accessToken',
  'refreshToken',
  '*.refreshToken',
  'paymentToken',
  '*.paymentToken',
  'authorization',
  '*.authorization',
  'cardNumber',
  '*.cardNumber',
  'databaseUrl',
  '*.databaseUrl',
];

export interface LogOptions {
  level: LevelWithSilent;
  service: string;
  instance: string;
  /** Where to write; stdout by default. Tests pass a stream to read what was logged. */
  destination?: pino.DestinationStream;
}

export function createLogger(options: LogOptions): Logger {
  return pino(
    {
      level: options.level,
      base: { service: options.service, instance: options.instance },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination ?? pino.destination({ dest: 1, sync: false }),
  );
}
