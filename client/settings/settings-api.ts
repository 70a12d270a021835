import type { SettingScope } from '../../shared/index.js';
import { SyncClientError, type StorageFullError } from '../errors.js';
import { guardStorage } from '../storage/storage-full.js';
import type { SyncDatabase } from '../storage/sync-database.js';
import type { ClientClock } from './client-clock.js';
import { writeSetting } from './write-setting.js';

export interface SettingsApiDeps {
  readonly db: SyncDatabase;
  readonly userId: string;
  readonly now: () => number;
  /** The clock, once the database is open (`before` awaits that). */
  readonly clock: () => ClientClock;
  /** Runs before every write: the engine is open and ready. */
  readonly before: () => Promise<void>;
  /** Runs after every write: status listeners and a sync with a pull (a setting has no op to replay). */
  readonly written: () => void;
  /** Told when a write was refused for lack of storage (the engine's status shows it). */
  readonly storageFull?: (error: StorageFullError) => void;
}

/** Where a setting lives: the user's own, or an org's. */
export type SettingsScopeRef = 'user' | { readonly orgId: string };

/** The app's settings surface: local LWW writes (pushed by the next sync) and reads of the cached registers. */
export interface SettingsApi {
  /**
   * Stamps and stores locally; pushed with the next sync. Throws ClientValidationError for bad input, and
   * StorageFullError when the device refuses the write (nothing is stored).
   */
  set(ref: SettingsScopeRef, key: string, value: unknown): Promise<{ key: string; value: unknown; hlc: string }>;
  get(ref: SettingsScopeRef, key: string): Promise<unknown>;
}

export function settingsApi(deps: SettingsApiDeps): SettingsApi {
  const { db } = deps;
  const scopeOf = (ref: SettingsScopeRef): { scope: SettingScope; scopeId: string } =>
    ref === 'user' ? { scope: 'user', scopeId: deps.userId } : { scope: 'org', scopeId: ref.orgId };
  return {
    async set(ref, key, value) {
      await deps.before();
      const { scope, scopeId } = scopeOf(ref);
      if (scope === 'org') {
        // Org settings are written by org admins and owners; anyone else's write could never be pushed.
        const org = await db.orgs.get(scopeId);
        if (!org || org.role === 'member') throw new SyncClientError('AUTH_FORBIDDEN', 'only org admins and owners change org settings');
      }
      const row = await guardStorage(() => writeSetting({ db, clock: deps.clock(), now: deps.now }, scope, scopeId, key, value), deps.storageFull);
      deps.written();
      return { key: row.key, value: row.value, hlc: row.hlc };
    },
    async get(ref, key) {
      const { scope, scopeId } = scopeOf(ref);
      return (await db.settings.get([scope, scopeId, key]))?.value ?? null;
    },
  };
}
