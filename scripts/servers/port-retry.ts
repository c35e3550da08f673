// Retries a start whose freshly picked port was taken by another process before the server bound it.
import { START_ATTEMPTS } from './defaults.js';
import { isPortClash } from './start-error.js';

/** Calls `start` (which picks new free ports on each call) until it succeeds or fails otherwise. */
export async function withPortRetry<T>(start: () => Promise<T>, attempts = START_ATTEMPTS): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (error) {
      if (attempt >= attempts || !isPortClash(error)) throw error;
    }
  }
}
