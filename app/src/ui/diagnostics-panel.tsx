import { useEffect, useState } from 'react';
import type { CounterName, Counters } from 'offline-sync-engine/client';
import { useSyncEngine, useSyncStatus } from 'offline-sync-engine/client/react';
import { useAction } from '../hooks/use-action.js';
import { TEST_IDS, counterTestId } from '../test-ids.js';
import { ActionMessage } from './messages.js';

/** Every counter the engine keeps, in plain words (typed as a Record so a new counter cannot go unlabelled). */
const COUNTER_LABELS: Record<CounterName, string> = {
  enqueued: 'Queued',
  applied: 'Applied',
  deduplicated: 'Duplicates',
  retried: 'Retries',
  failed: 'Refused',
  discarded: 'Discarded',
  conflicts: 'Conflicts',
  authPauses: 'Sign-in pauses',
  clockDrift: 'Clock fixes',
  pulls: 'Pulls',
  rowsPulled: 'Rows pulled',
  cursorResets: 'Full resyncs',
  settingsPushed: 'Settings sent',
  settingsStale: 'Settings outdated',
};

/** What the engine has done on this device (persisted counters) and the last thing that went wrong. */
export function DiagnosticsPanel() {
  const engine = useSyncEngine();
  const status = useSyncStatus();
  const [counters, setCounters] = useState<Counters>();
  const reset = useAction();

  // Re-read after every status change: each cycle and write emits one.
  useEffect(() => {
    let live = true;
    engine
      .counters()
      .then((next) => live && setCounters(next))
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [engine, status]);

  return (
    <section className="panel" aria-labelledby="diagnostics-title" data-testid={TEST_IDS.diagnosticsPanel}>
      <h2 id="diagnostics-title" className="panel-title">
        Diagnostics
      </h2>
      <dl className="counters">
        {(Object.keys(COUNTER_LABELS) as CounterName[]).map((name) => (
          <div key={name} className="counter">
            <dt>{COUNTER_LABELS[name]}</dt>
            <dd data-testid={counterTestId(name)}>{counters?.[name] ?? '–'}</dd>
          </div>
        ))}
      </dl>
      <p className="diag-line">
        Last error:{' '}
        <span data-testid={TEST_IDS.lastError}>
          {status?.lastError ? (
            <>
              {status.lastError.message} <code>{status.lastError.code}</code>
            </>
          ) : (
            'none'
          )}
        </span>
      </p>
      <p className="diag-line muted">
        {status === undefined ? 'Starting…' : status.leader ? 'This tab syncs for every open tab.' : 'This tab follows the one that syncs (or waits for its turn).'}
        {status && ` Clock offset to the server: ${Math.round(status.clockOffsetMs)} ms.`}
      </p>
      <button
        type="button"
        className="btn btn-small"
        disabled={reset.busy}
        onClick={() =>
          void reset.run(async () => {
            await engine.resetCache();
            return 'Cache rebuilt from the server.';
          })
        }
      >
        Rebuild local cache
      </button>
      <ActionMessage action={reset} />
    </section>
  );
}
