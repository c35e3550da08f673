// Time-outs and limits shared by the server launchers.

/** How long a server may take to become ready before its start fails. */
export const DEFAULT_START_TIMEOUT_MS = 30_000;
/** How long a server may take to stop after a polite signal before it is killed. */
export const DEFAULT_STOP_TIMEOUT_MS = 10_000;
/** Grace a watchdog gives an orphaned server between its polite signal and SIGKILL. */
export const WATCHDOG_GRACE_MS = 5_000;
/** Start attempts when a freshly picked port was taken by someone else in the meantime. */
export const START_ATTEMPTS = 3;
/** Interval between readiness probes. */
export const READY_POLL_INTERVAL_MS = 50;
/** Lines of a server's log quoted in a start error. */
export const LOG_TAIL_LINES = 20;
