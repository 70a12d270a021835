import { useCallback, useState } from 'react';
import { errorMessage } from '../model/error-message.js';

/**
 * One user action's lifecycle for a form or button: busy while it runs, then either a notice (what happened)
 * or the error in words. Nothing the user did fails silently.
 */
export interface Action {
  readonly busy: boolean;
  readonly error: string | null;
  readonly notice: string | null;
  /** Runs `fn`; its string result becomes the notice. Resolves true when it worked. */
  run(fn: () => Promise<string | void> | string | void): Promise<boolean>;
  reset(): void;
}

export function useAction(): Action {
  const [state, setState] = useState<{ busy: boolean; error: string | null; notice: string | null }>({ busy: false, error: null, notice: null });
  const run = useCallback(async (fn: () => Promise<string | void> | string | void) => {
    setState({ busy: true, error: null, notice: null });
    try {
      const notice = await fn();
      setState({ busy: false, error: null, notice: notice ?? null });
      return true;
    } catch (error) {
      setState({ busy: false, error: errorMessage(error), notice: null });
      return false;
    }
  }, []);
  const reset = useCallback(() => setState({ busy: false, error: null, notice: null }), []);
  return { ...state, run, reset };
}
