// The shape every launched server shares.

export interface ServerHandle {
  /** Short name: "consul", "nats" or "postgres". */
  readonly name: string;
  /** The file the server logs to, inside its folder. */
  readonly logFile: string;
  /** The server's folder: a temp folder (removed by stop()) or the caller's dataDir (kept). */
  readonly dir: string;
  /** Pid of the server process (for PostgreSQL, the postmaster). */
  readonly pid: number;
  /** Stops the server and waits until its process is gone; idempotent. */
  stop(): Promise<void>;
}
