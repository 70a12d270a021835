import { useEffect, useRef, useState } from 'react';
import { UnsyncedChangesError } from 'offline-sync-engine/client';
import { useAction } from '../hooks/use-action.js';
import { sessions } from '../session/session-controller.js';
import { TEST_IDS } from '../test-ids.js';
import { ActionMessage } from './messages.js';

/**
 * Sign out. The engine refuses while changes are unsynced (signing out deletes this device's copy): then the
 * user sees what would be lost and chooses to stay, or to discard and sign out.
 */
export function SignOutButton() {
  const [unsynced, setUnsynced] = useState<UnsyncedChangesError | null>(null);
  const dialog = useRef<HTMLDialogElement>(null);
  const action = useAction();

  useEffect(() => {
    if (unsynced && !dialog.current?.open) dialog.current?.showModal();
  }, [unsynced]);

  const signOut = (discardPending: boolean) =>
    action.run(async () => {
      try {
        await sessions.signOut({ discardPending });
      } catch (error) {
        if (!(error instanceof UnsyncedChangesError)) throw error;
        setUnsynced(error);
      }
    });

  const close = () => {
    dialog.current?.close();
    setUnsynced(null);
  };

  return (
    <>
      <button type="button" className="btn btn-small" data-testid={TEST_IDS.signOut} disabled={action.busy} onClick={() => void signOut(false)}>
        Sign out
      </button>
      <ActionMessage action={action} />
      <dialog ref={dialog} className="dialog" aria-labelledby="unsynced-title" onClose={() => setUnsynced(null)}>
        <h2 id="unsynced-title">Unsynced changes</h2>
        <p>
          {unsynced?.pendingOps ?? 0} change(s) and {unsynced?.dirtySettings ?? 0} setting(s) have not reached the server yet. Signing out deletes them
          from this device.
        </p>
        <p className="muted">Stay signed in until the sync bar shows nothing pending, or discard them now.</p>
        <div className="actions">
          <button type="button" className="btn" onClick={close} autoFocus>
            Stay signed in
          </button>
          <button type="button" className="btn btn-danger" data-testid={TEST_IDS.discardAndSignOut} disabled={action.busy} onClick={() => void signOut(true).then(close)}>
            Discard and sign out
          </button>
        </div>
      </dialog>
    </>
  );
}
