import { MAX_COUNTER, formatHlc, isValidMs, parseHlc } from '../../shared/clock/hlc-codec.js';
import { DEFAULT_MAX_DRIFT_MS, createHlc, type Hlc } from '../../shared/clock/hlc.js';
import { createNodeId } from '../../shared/clock/node-id.js';

/**
 * How far the measured server offset may move from the one the clock runs on before the clock is re-based.
 *
 * Why 1 s: the HLC already orders every write after the registers its device has seen (receive), so the offset
 * only decides between writes that did not see each other: two devices changing one setting within the same
 * moment. A person cannot make two such writes on two devices less than about a second apart, so residual
 * skew under a second never reorders what a user did; and it is far enough above the jitter of a measurement
 * (half a round trip, see `sample`) that the clock does not chase noise. It is well under the 5-minute drift
 * limit, so a corrected clock never gets its stamps refused by the server.
 */
export const CLOCK_CORRECTION_THRESHOLD_MS = 1_000;

export interface ClientClockOptions {
  /** The device's wall clock in ms (injected: tests skew it). */
  readonly wall: () => number;
  /** The last stamp issued or received before a restart: the clock resumes above it. */
  readonly last?: string | null;
  /** The correction measured before a restart (persisted), so offline writes after a reload are corrected too. */
  readonly offsetMs?: number;
  /** Whether `offsetMs` was measured from the server (persisted); a fresh install runs on an assumed 0. */
  readonly measured?: boolean;
  readonly newNodeId?: () => string;
  /** Told of every re-base, to persist the new offset. */
  readonly onRebase?: (offsetMs: number) => void;
  /** Told once, when the first measurement did not move the offset (no re-base): to persist that it is measured. */
  readonly onMeasured?: (offsetMs: number) => void;
  readonly maxDriftMs?: number;
}

/**
 * The client's hybrid logical clock, running on corrected time: device wall time plus the offset to the
 * server's clock, measured in both directions (ahead or behind) from every response that carries `serverTime`.
 *
 *   sample(serverTime, sent, received) ──▶ measured = serverTime − (sent + received) / 2   (NTP, midpoint)
 *        |measured − offset| ≤ threshold + rtt/2 ──▶ keep running            (within what we can measure)
 *        otherwise                               ──▶ rebase(measured)
 *   rebase(offset) ──▶ a new HLC on wall + offset under a fresh node id, resuming above every stamp received
 *                      from the server and above our own last stamp unless that one is beyond the drift limit
 *                      of corrected time (it came from a clock running far ahead, and the server refuses it)
 *
 * Its node id is new for every engine instance (two tabs are two nodes) and for every re-base, which keeps
 * every stamp unique even when a re-based clock issues a millisecond it issued before.
 */
export class ClientClock {
  private hlc: Hlc;
  private offset: number;
  private isMeasured: boolean;
  /** The greatest stamp received from the server: a write made after seeing it must be stamped above it. */
  private received: string | null = null;
  private readonly wall: () => number;
  private readonly newNodeId: () => string;
  private readonly maxDriftMs: number;
  private readonly onRebase: (offsetMs: number) => void;
  private readonly onMeasured: (offsetMs: number) => void;

  constructor(options: ClientClockOptions) {
    this.wall = options.wall;
    this.offset = Number.isFinite(options.offsetMs) ? (options.offsetMs as number) : 0;
    this.newNodeId = options.newNodeId ?? (() => createNodeId());
    this.maxDriftMs = options.maxDriftMs ?? DEFAULT_MAX_DRIFT_MS;
    this.onRebase = options.onRebase ?? (() => {});
    this.onMeasured = options.onMeasured ?? (() => {});
    this.isMeasured = options.measured === true;
    // A restart resumes above the persisted stamp whatever the wall says: only a measurement may move us down.
    this.hlc = this.createHlc(options.last ?? null, true);
  }

  /** The correction the clock runs on: server time minus device time, in ms. */
  get offsetMs(): number {
    return this.offset;
  }

  /** Whether the offset has been measured from the server (false: a fresh install on an assumed 0). */
  get measured(): boolean {
    return this.isMeasured;
  }

  get nodeId(): string {
    return this.hlc.nodeId;
  }

  /** Corrected wall time: the device's clock moved onto the server's. */
  now(): number {
    return this.wall() + this.offset;
  }

  next(): string {
    return this.hlc.next();
  }

  last(): string {
    return this.hlc.last();
  }

  /**
   * Advances past a stamp seen from the server. Returns false when the HLC refused it as too far ahead (only
   * possible before the offset is measured, or from a server whose own clock jumped): the stamp is not lost,
   * it is remembered and honoured by the next re-base.
   */
  observe(stamp: string): boolean {
    if (this.received === null || stamp > this.received) this.received = stamp;
    try {
      this.hlc.receive(stamp);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * One offset measurement: the server read its clock (`serverTime`) somewhere between our `sentAt` and
   * `receivedAt` (device wall time), so the offset is serverTime minus the midpoint, give or take half the
   * round trip. Re-bases when the clock is off by more than the threshold beyond that uncertainty.
   */
  sample(serverTime: number, sentAt: number, receivedAt: number): boolean {
    if (![serverTime, sentAt, receivedAt].every(Number.isFinite) || receivedAt < sentAt) return false;
    const measured = Math.round(serverTime - (sentAt + receivedAt) / 2);
    const uncertainty = (receivedAt - sentAt) / 2;
    if (Math.abs(measured - this.offset) <= CLOCK_CORRECTION_THRESHOLD_MS + uncertainty) {
      if (!this.isMeasured) {
        this.isMeasured = true;
        this.onMeasured(this.offset);
      }
      return false;
    }
    this.rebase(measured);
    return true;
  }

  /**
   * Runs the clock on `offsetMs` from now on. `abandonOwn`: our own stamps were refused as drifted (CLOCK_DRIFT),
   * so the clock must not resume above them, whatever the new offset says.
   */
  rebase(offsetMs: number, abandonOwn = false): void {
    const own = this.hlc.last();
    this.offset = offsetMs;
    this.isMeasured = true;
    this.hlc = this.createHlc(abandonOwn ? null : own);
    this.onRebase(offsetMs);
  }

  /**
   * The stamp a register written at `stamp` on a clock running on `stampOffsetMs` gets on the current offset:
   *
   *   target  = stamp.ms − stampOffsetMs + offset      the write's time on the server's clock, as now measured
   *   lowest  = the smallest stamp above `floor`       the register of the key the device knew when it wrote,
   *                                                    and its own earlier write of the key, if that may be
   *                                                    on the server; dropped when beyond now + drift limit
   *                                                    (the server refuses such stamps, so none is there)
   *   result  = max(target, lowest)                    unchanged when the target is the stamp's own ms
   *           = next()  when the result is beyond now + drift limit (the server would refuse it)
   *
   * A moved stamp takes a fresh node id (unique whatever millisecond it lands on), and the clock advances past
   * it, so a later write of this device is stamped above it.
   */
  rebaseStamp(stamp: string, stampOffsetMs: number, floor: string | null): string {
    const limit = this.now() + this.maxDriftMs;
    const own = parseHlc(stamp);
    const target = own.ms - stampOffsetMs + this.offset;
    const below = floor !== null && parseHlc(floor).ms <= limit ? parseHlc(floor) : null;
    if (target === own.ms && own.ms <= limit && (below === null || stamp > floor!)) return stamp;
    if (!isValidMs(target)) return this.next();
    const node = this.newNodeId();
    let moved = formatHlc({ ms: target, counter: 0, node });
    if (below !== null) {
      const above = below.counter < MAX_COUNTER ? { ms: below.ms, counter: below.counter + 1 } : { ms: below.ms + 1, counter: 0 };
      const lowest = formatHlc({ ...above, node });
      if (lowest > moved) moved = lowest;
    }
    if (parseHlc(moved).ms > limit) return this.next();
    try {
      this.hlc.receive(moved);
    } catch {
      return this.next();
    }
    return moved;
  }

  private createHlc(own: string | null, alwaysKeepOwn = false): Hlc {
    // Our own last stamp is kept unless the server would refuse stamps issued above it: past the drift limit of
    // corrected time. Not a tighter margin: a stamp within the limit may already be on the server, and a write
    // stamped below it would lose to the user's own earlier write. If the server does refuse one near the limit,
    // CLOCK_DRIFT re-bases with abandonOwn and re-stamps.
    const keepOwn = own !== null && (alwaysKeepOwn || parseHlc(own).ms <= this.now() + this.maxDriftMs);
    const candidates = [keepOwn ? own : null, this.received].filter((s): s is string => s !== null);
    const last = candidates.sort().pop() ?? null;
    return createHlc({ nodeId: this.newNodeId(), now: () => this.wall() + this.offset, maxDriftMs: this.maxDriftMs, last });
  }
}
