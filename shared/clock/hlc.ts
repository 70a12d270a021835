import { ClockDriftError, HlcFormatError, HlcRangeError } from '../errors/sync-error.js';
import { MAX_COUNTER, MAX_HLC_MS, NODE_ID_PATTERN, formatCounter, parseHlc } from './hlc-codec.js';

export const DEFAULT_MAX_DRIFT_MS = 5 * 60_000;

export interface HlcOptions {
  /** 16 lowercase hex digits, unique per engine instance (two tabs of one user are two nodes). */
  readonly nodeId: string;
  /** Wall clock in ms; injected so tests and the drift-corrected client clock can replace it. */
  readonly now?: () => number;
  /** How far ahead of local wall time a received stamp may be before it is refused. */
  readonly maxDriftMs?: number;
  /** The last stamp this clock (or an earlier instance of it) issued: the clock resumes above it. */
  readonly last?: string | null;
}

export interface Hlc {
  readonly nodeId: string;
  /** A stamp for a local event: greater than every stamp this clock has issued or received. */
  next(): string;
  /**
   * Merges a remote stamp and returns a stamp greater than both the remote one and everything issued so far.
   * Throws ClockDriftError, leaving the clock unchanged, when the remote is more than maxDriftMs ahead of
   * wall time: accepting it would drag every later local stamp into the future.
   */
  receive(remote: string): string;
  /** The current state as a stamp (the last issued or received-and-merged), for persisting. */
  last(): string;
}

/**
 * Hybrid logical clock (Kulkarni et al.): physical ms + logical counter + node id.
 *
 *   state (ms, counter) ──next()──▶ wall > ms ? (wall, 0) : (ms, counter + 1)
 *                       ──receive(r)▶ ms' = max(ms, r.ms, wall); counter from whichever sources share ms'
 *   counter past 0xffff ──▶ (ms + 1, 0)   no throw, no wrap: the clock runs a little ahead of the wall instead
 *
 * Hot path: the ISO prefix is formatted only when the millisecond changes, so a burst of next() calls in one
 * millisecond costs a comparison, an increment and one string concatenation each.
 */
export function createHlc(options: HlcOptions): Hlc {
  const { nodeId, now = Date.now, maxDriftMs = DEFAULT_MAX_DRIFT_MS } = options;
  if (!NODE_ID_PATTERN.test(nodeId)) throw new HlcFormatError('node id must be 16 lowercase hex digits', nodeId);
  const suffix = `-${nodeId}`;

  let ms = 0;
  let counter = 0;
  let prefix = '1970-01-01T00:00:00.000Z-';

  /**
   * Moves the clock to (nextMs, nextCounter), carrying a counter overflow into the millisecond. Checks the
   * range before touching any state, so a refused step leaves the clock as it was. `knownPrefix` is the ISO
   * text of nextMs when the caller already has it (a remote stamp), saving a format.
   */
  const moveTo = (nextMs: number, nextCounter: number, knownPrefix?: string): string => {
    let carried = knownPrefix;
    if (nextCounter > MAX_COUNTER) {
      nextMs += 1;
      nextCounter = 0;
      carried = undefined;
    }
    if (nextMs > MAX_HLC_MS) throw new HlcRangeError(nextMs);
    if (nextMs !== ms) {
      prefix = carried ?? `${new Date(nextMs).toISOString()}-`;
      ms = nextMs;
    }
    counter = nextCounter;
    return prefix + formatCounter(counter) + suffix;
  };

  if (options.last != null) {
    const resumed = parseHlc(options.last);
    moveTo(resumed.ms, resumed.counter);
  }

  // Wall readings that are not finite numbers (a broken clock) count as "no progress": Math.floor(NaN) > ms
  // is false, so the logical counter carries the order.
  const wall = (): number => Math.floor(now());

  return {
    nodeId,
    next() {
      const w = wall();
      return w > ms ? moveTo(w, 0) : moveTo(ms, counter + 1);
    },
    receive(remote) {
      const r = parseHlc(remote);
      // Drift is judged against wall time, not against our logical ms: a clock that has already been pulled
      // ahead must not widen the window for the next remote. A broken wall reading falls back to our own ms.
      const reading = wall();
      const w = Number.isFinite(reading) ? reading : ms;
      if (r.ms - w > maxDriftMs) throw new ClockDriftError(remote, r.ms, w, maxDriftMs);
      const top = Math.max(ms, r.ms, w);
      if (top === ms && top === r.ms) return moveTo(ms, Math.max(counter, r.counter) + 1);
      if (top === ms) return moveTo(ms, counter + 1);
      if (top === r.ms) return moveTo(top, r.counter + 1, remote.slice(0, 25));
      return moveTo(top, 0);
    },
    last() {
      return prefix + formatCounter(counter) + suffix;
    },
  };
}
