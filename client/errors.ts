/** Typed errors of the client's public API; expected outcomes (a failed op, a stale setting) are data instead. */
export class SyncClientError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Input the server would refuse anyway (same zod schemas), caught before anything is queued. */
export class ClientValidationError extends SyncClientError {
  constructor(message: string) {
    super('VALIDATION_FAILED', message);
  }
}

/** logout() while ops or settings writes are not yet on the server, without `{ discardPending: true }`. */
export class UnsyncedChangesError extends SyncClientError {
  readonly pendingOps: number;
  readonly dirtySettings: number;
  constructor(pendingOps: number, dirtySettings: number) {
    super('UNSYNCED_CHANGES', `${pendingOps} queued change(s) and ${dirtySettings} setting(s) are not synced yet`);
    this.pendingOps = pendingOps;
    this.dirtySettings = dirtySettings;
  }
}

/** The engine was used after logout() or close(). */
export class EngineClosedError extends SyncClientError {
  constructor() {
    super('ENGINE_CLOSED', 'this sync engine was closed');
  }
}

/**
 * The browser refused to store more (IndexedDB's QuotaExceededError): nothing of the write was kept (its
 * transaction rolled back), and the engine carries on once space is freed. `cause` is the storage's own error.
 */
export class StorageFullError extends SyncClientError {
  constructor(options?: { cause?: unknown }) {
    super('STORAGE_FULL', 'the device refused to store more data (storage quota exceeded): free some space and try again', options);
  }
}

/**
 * A part of the engine loaded on demand (a separate chunk of the app's bundle) could not be fetched or run: a
 * network failure, or a deploy that removed the chunk this page was built with. `module` names the part; `cause`
 * is the loader's own error. The engine asks again the next time it needs the part.
 */
export class ModuleLoadError extends SyncClientError {
  readonly module: string;
  constructor(module: string, options?: { cause?: unknown }) {
    super('MODULE_LOAD_FAILED', `could not load the engine's ${module} module`, options);
    this.module = module;
  }
}
