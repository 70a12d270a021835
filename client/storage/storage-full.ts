import { StorageFullError } from '../errors.js';

/**
 * Whether an error (or anything it wraps) is the browser's quota refusal. IndexedDB raises a DOMException named
 * QuotaExceededError on the request or as the transaction's abort reason; Dexie maps it to an error of the same
 * name (the DOMException as `inner`), wraps it in an AbortError (`inner`) when the commit failed, and collects
 * it in a BulkError's `failures` for bulk writes.
 */
export function isStorageFull(error: unknown, depth = 0): boolean {
  if (depth > 5 || error === null || typeof error !== 'object') return false;
  if (error instanceof StorageFullError) return true;
  const e = error as { name?: unknown; inner?: unknown; cause?: unknown; failures?: unknown };
  if (e.name === 'QuotaExceededError') return true;
  if (isStorageFull(e.inner, depth + 1) || isStorageFull(e.cause, depth + 1)) return true;
  return Array.isArray(e.failures) && e.failures.some((f) => isStorageFull(f, depth + 1));
}

/** The typed error for a storage failure, or the error itself when it is something else. */
export function storageError(error: unknown): unknown {
  return isStorageFull(error) && !(error instanceof StorageFullError) ? new StorageFullError({ cause: error }) : error;
}

/** Runs a local write; a quota refusal comes out as StorageFullError (and is reported), anything else as it was. */
export async function guardStorage<T>(write: () => Promise<T>, report?: (error: StorageFullError) => void): Promise<T> {
  try {
    return await write();
  } catch (error) {
    const typed = storageError(error);
    if (typed instanceof StorageFullError) report?.(typed);
    throw typed;
  }
}
