import { createHlc, createNodeId, type Hlc } from '../../shared/index.js';

/**
 * The client's hybrid logical clock. Its node id is new for every engine instance (two tabs are two nodes),
 * it resumes above the last persisted stamp, and it can be re-based on a measured server offset: after a
 * CLOCK_DRIFT rejection the old stamps are unusable (they are ahead of the server by more than the limit), so
 * the clock restarts from corrected wall time under a fresh node id, which keeps every stamp unique without
 * resuming above the drifted ones.
 */
export class ClientClock {
  private hlc: Hlc;
  private offset = 0;

  constructor(
    private readonly wall: () => number,
    last: string | null,
    private readonly newNodeId: () => string = () => createNodeId(),
  ) {
    this.hlc = createHlc({ nodeId: newNodeId(), now: () => this.wall() + this.offset, last });
  }

  get offsetMs(): number {
    return this.offset;
  }

  get nodeId(): string {
    return this.hlc.nodeId;
  }

  next(): string {
    return this.hlc.next();
  }

  last(): string {
    return this.hlc.last();
  }

  /** Advances past a stamp seen from the server; a drifted one is refused by the HLC and ignored here. */
  observe(stamp: string): void {
    try {
      this.hlc.receive(stamp);
    } catch {
      // ClockDriftError: the server's clock is far ahead of ours; the offset measurement handles it.
    }
  }

  /** Re-bases on server time: `serverTime` was read at local wall time `at`. */
  rebase(serverTime: number, at: number): void {
    this.offset = serverTime - at;
    this.hlc = createHlc({ nodeId: this.newNodeId(), now: () => this.wall() + this.offset });
  }
}
