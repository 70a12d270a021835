import { ClientValidationError, SyncClientError, UnsyncedChangesError } from 'offline-sync-engine/client';

/** Any thrown value in words for the user: bad input, a refused action, a lost network, or the unexpected. */
export function errorMessage(error: unknown): string {
  if (error instanceof UnsyncedChangesError) return `${error.pendingOps} change(s) and ${error.dirtySettings} setting(s) are not synced yet.`;
  if (error instanceof ClientValidationError) return `Not valid: ${error.message}`;
  if (error instanceof SyncClientError) return error.message;
  if (error instanceof TypeError && /fetch/i.test(error.message)) return 'You are offline.';
  if (error instanceof Error) return error.message;
  return String(error);
}
