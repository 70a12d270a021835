import type { WindowEvents } from './sync-engine.js';
import type { Timers } from './timers.js';

/** The browser window (for `online` and `visibilitychange`), or nothing outside a browser. */
export function windowEvents(): WindowEvents | null {
  const target = globalThis as unknown as Partial<WindowEvents>;
  return typeof target.addEventListener === 'function' ? (target as WindowEvents) : null;
}

/**
 * The leader's reasons to pull everything: an interval, the network coming back, and the tab becoming visible.
 * Returns the function that detaches them all.
 */
export function attachPullTriggers(opts: { timers: Timers; intervalMs: number; events: WindowEvents | null; pull: () => void; interval?: () => void }): () => void {
  const interval = opts.timers.setInterval(opts.interval ?? opts.pull, opts.intervalMs);
  const onVisible = () => {
    if ((globalThis as { document?: { visibilityState?: string } }).document?.visibilityState !== 'hidden') opts.pull();
  };
  opts.events?.addEventListener('online', opts.pull);
  opts.events?.addEventListener('visibilitychange', onVisible);
  return () => {
    opts.timers.clearInterval(interval);
    opts.events?.removeEventListener('online', opts.pull);
    opts.events?.removeEventListener('visibilitychange', onVisible);
  };
}
