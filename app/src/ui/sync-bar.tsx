import { useEffect, useState } from 'react';
import { useSetting, useSyncEngine, useSyncStatus } from 'offline-sync-engine/client/react';
import { useBrowserOnline } from '../hooks/use-browser-online.js';
import { useNow } from '../hooks/use-now.js';
import { formatAgo, formatDuration } from '../model/format-time.js';
import { offlineMode, useOfflineMode } from '../network/offline-mode.js';
import { TEST_IDS } from '../test-ids.js';
import { ReauthDialog } from './reauth-dialog.js';

/** A clock this far from the server's is worth telling the user about (their timestamps look odd). */
const LARGE_OFFSET_MS = 5_000;

/**
 * Always visible: whether changes can reach the server, what is waiting, how fresh the data is, and what the
 * user can do about it (offline mode, sign in again, sync now).
 */
export function SyncBar() {
  const engine = useSyncEngine();
  const status = useSyncStatus();
  const offline = useOfflineMode();
  const browserOnline = useBrowserOnline();
  const now = useNow(1000);
  const [locale] = useSetting<string>('locale');
  const [reauthOpen, setReauthOpen] = useState(false);

  // Offline mode switched off (here or in another tab): send what waited at once, not at the next backoff.
  useEffect(() => {
    if (!offline) engine.syncNow().catch(() => undefined);
  }, [engine, offline]);

  const connection = offline
    ? { label: 'Offline', tone: 'offline' }
    : !browserOnline
      ? { label: 'No network', tone: 'offline' }
      : status?.online === false
        ? { label: 'Server unreachable', tone: 'offline' }
        : status?.pausedForAuth
          ? { label: 'Sign-in needed', tone: 'warn' }
          : { label: 'Online', tone: 'ok' };

  const synced = status ? Object.values(status.lastSyncedAt).filter((t): t is number => t !== null) : [];
  // lastSyncedAt is server time: the measured offset puts our clock on the same scale.
  const lastSyncedAgo = synced.length ? now + (status?.clockOffsetMs ?? 0) - Math.max(...synced) : null;

  return (
    <>
    <div className="sync-bar" role="status" aria-label="Sync status" data-testid={TEST_IDS.syncBar}>
      <span className={`pill pill-${connection.tone}`} data-testid={TEST_IDS.onlineState}>
        <span className="dot" aria-hidden="true" />
        {connection.label}
      </span>

      {connection.tone === 'ok' && (
        <span
          className="sync-item"
          data-testid={TEST_IDS.liveState}
          title={status?.live ? 'Changes made elsewhere arrive within a second.' : 'Live updates are not connected: checking for changes every minute.'}
        >
          {status?.live ? 'Live' : 'Polling'}
        </span>
      )}

      <label className="switch">
        <input type="checkbox" data-testid={TEST_IDS.offlineToggle} checked={offline} onChange={(e) => offlineMode.set(e.target.checked)} />
        <span>Offline mode</span>
      </label>

      <a className="sync-item" href="#outbox">
        <span data-testid={TEST_IDS.pendingCount}>{status?.pendingCount ?? 0}</span> pending
      </a>
      {status && status.failedCount > 0 && (
        <a className="sync-item sync-failed" href="#outbox">
          <span data-testid={TEST_IDS.failedCount}>{status.failedCount}</span> failed
        </a>
      )}
      {status?.oldestPendingAgeMs != null && (
        <span className="sync-item" data-testid={TEST_IDS.oldestPending} aria-live="off">
          oldest {formatDuration(status.oldestPendingAgeMs)}
        </span>
      )}

      {/* Ages tick every second: kept out of the live region's announcements. */}
      <span className="sync-item" data-testid={TEST_IDS.lastSynced} aria-live="off">
        {status === undefined ? 'Starting…' : lastSyncedAgo === null ? 'Not synced yet' : `Synced ${formatAgo(lastSyncedAgo, locale ?? undefined)}`}
      </span>
      {status?.stale && (
        <span className="badge badge-warn" data-testid={TEST_IDS.staleBadge} title="Some data has not been refreshed from the server for over 5 minutes.">
          Stale
        </span>
      )}
      {status && Math.abs(status.clockOffsetMs) > LARGE_OFFSET_MS && (
        <span className="badge badge-warn" data-testid={TEST_IDS.clockOffset} title="This device’s clock differs from the server’s; the app corrects for it.">
          Clock {status.clockOffsetMs > 0 ? 'behind' : 'ahead'} by {formatDuration(Math.abs(status.clockOffsetMs))}
        </span>
      )}

      <span className="sync-actions">
        {status?.pausedForAuth && (
          <button type="button" className="btn btn-small btn-primary" data-testid={TEST_IDS.signInAgain} onClick={() => setReauthOpen(true)}>
            Sign in again
          </button>
        )}
        <button type="button" className="btn btn-small" data-testid={TEST_IDS.syncNow} onClick={() => void engine.syncNow().catch(() => undefined)}>
          Sync now
        </button>
      </span>
    </div>
    <ReauthDialog open={reauthOpen} onClose={() => setReauthOpen(false)} />
    </>
  );
}
