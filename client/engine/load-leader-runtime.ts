import { ModuleLoadError } from '../errors.js';
import type * as LeaderRuntimeModule from './leader-runtime.js';

/**
 * The one dynamic import of the leader's machinery (leader-runtime.ts): an app's bundler splits it into its own
 * chunk, which the page fetches only once this tab leads. A chunk that cannot load is a ModuleLoadError, never a
 * silent stall; nothing is remembered of a failed attempt, so the next cycle tries again.
 */
export async function loadLeaderRuntime(): Promise<typeof LeaderRuntimeModule> {
  try {
    return await import('./leader-runtime.js');
  } catch (cause) {
    throw new ModuleLoadError('leader-runtime', { cause });
  }
}
