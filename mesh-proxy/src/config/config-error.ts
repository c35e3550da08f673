// The error a bad proxy setting stops start-up with: the property's path, what was expected, and what came.

export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(
    /** e.g. upstreams[inventory].retry.numRetries */
    readonly path: string,
    readonly detail: string,
  ) {
    super(`${path}: ${detail}`);
  }
}

/** A value as the message shows it: strings quoted, so `"5"` and `5` read differently. */
export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
