import type { Classified } from '../transport/classify.js';

/**
 * What one step of a sync pass ended in (a collection's pull, a settings push or pull): expected outcomes as
 * data, one type for every step so a pass can run them as a list.
 */
export type StepResult =
  | { readonly state: 'done'; readonly rows?: number }
  /** The server no longer shows the step's scope to this user: it was purged locally. */
  | { readonly state: 'lost-access' }
  /** 401 or no token: the pass stops and the queue pauses for auth. */
  | { readonly state: 'auth' }
  /** The engine is closing. */
  | { readonly state: 'aborted' }
  /** This step failed (offline, server trouble, an unexpected answer); the pass goes on with the next one. */
  | { readonly state: 'error'; readonly code: string; readonly message: string };

/** The step result of an answer that was not a success. */
export function failedStep(result: Exclude<Classified, { type: 'success' }>): StepResult {
  switch (result.type) {
    case 'auth':
      return { state: 'auth' };
    case 'abort':
      return { state: 'aborted' };
    case 'retry':
    case 'offline':
      return { state: 'error', code: 'UNAVAILABLE', message: result.reason };
    case 'permanent':
      return { state: 'error', code: result.code, message: result.message };
  }
}
