// Where a blocking query resumes from: the raft index (X-Consul-Index) or the agent's content hash, with Consul's rules for each.
// https://developer.hashicorp.com/consul/api-docs/features/blocking#implementation-details
import type { ConsulResponse } from './consul-client.js';

export interface BlockingCursor {
  /** Query parameters that make the next request wait for a change past what was already seen. */
  params(): Record<string, string>;
  /** Takes in an answer; true when it is an update (a changed index or hash), false when nothing moved. */
  advance(res: ConsulResponse): boolean;
  /** Forgets the position, so the next request answers at once (after an error or an agent restart). */
  reset(): void;
  /** The last index seen (0 for hash cursors and after a reset). */
  readonly index: number;
}

/**
 * The next `index` to send after an answer carrying `returned`, when the last one sent was `previous`.
 * - Backwards (raft snapshot restored, a new agent): reset to 0, restarting the loop; waiting on an index the
 *   servers have not reached would miss updates for an unbounded time.
 * - 0 (a Consul bug the docs warn about): use 1, "always safe to use an index of 1", so the next request
 *   blocks instead of spinning.
 */
export function nextIndex(previous: number, returned: number): number {
  if (returned < previous) return 0;
  return Math.max(1, returned);
}

/** Index-based blocking (X-Consul-Index / ?index=), for catalog and health endpoints. */
export class IndexCursor implements BlockingCursor {
  private current = 0;

  get index(): number {
    return this.current;
  }

  params(): Record<string, string> {
    return this.current > 0 ? { index: String(this.current) } : {};
  }

  advance(res: ConsulResponse): boolean {
    const returned = res.index;
    // An endpoint without the header cannot block: every answer counts, the rate limit keeps it a poll.
    if (returned === undefined) {
      this.current = 0;
      return true;
    }
    const previous = this.current;
    this.current = nextIndex(previous, returned);
    // "The return of a blocking request is no guarantee of a change": same index, same data.
    return previous === 0 || returned !== previous;
  }

  reset(): void {
    this.current = 0;
  }
}

/**
 * Hash-based blocking (X-Consul-ContentHash / ?hash=), for agent-local endpoints such as /v1/agent/service/:id
 * (Consul >= 1.3). Hashes are opaque: they can only be compared for equality.
 */
export class HashCursor implements BlockingCursor {
  private hash: string | undefined;
  readonly index = 0;

  params(): Record<string, string> {
    return this.hash ? { hash: this.hash } : {};
  }

  advance(res: ConsulResponse): boolean {
    const previous = this.hash;
    this.hash = res.contentHash;
    return previous === undefined || res.contentHash === undefined || previous !== res.contentHash;
  }

  reset(): void {
    this.hash = undefined;
  }
}
