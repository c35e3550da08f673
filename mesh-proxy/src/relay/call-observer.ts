// What watches calls go by (metrics, tracing, logs), told once when a call starts and once when it ends.
import type { Call } from './call.js';

export interface CallObserver {
  started(call: Call): void;
  finished(call: Call): void;
}

export const NO_OBSERVER: CallObserver = { started: () => undefined, finished: () => undefined };
