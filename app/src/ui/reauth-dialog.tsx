import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useAction } from '../hooks/use-action.js';
import { signIn } from '../session/auth-client.js';
import { sessions, useSignedIn } from '../session/session-controller.js';
import { TEST_IDS } from '../test-ids.js';
import { ActionMessage } from './messages.js';

/**
 * Sign in again after the server refused the token (401): the queue is paused, nothing is lost. The new
 * token must be the same user's (the engine's ops belong to them); it is stored and the engine resumes.
 */
export function ReauthDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const signedIn = useSignedIn();
  const dialog = useRef<HTMLDialogElement>(null);
  const [password, setPassword] = useState('');
  const action = useAction();
  const { reset } = action;

  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (open && !element.open) {
      reset();
      element.showModal();
    }
    if (!open && element.open) element.close();
  }, [open, reset]);

  if (!signedIn) return null;
  const { session } = signedIn;

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void action.run(async () => {
      if (!password) throw new Error('Enter your password.');
      const renewed = await signIn({ email: session.email, password });
      if (renewed.userId !== session.userId) throw new Error(`That is another account. Sign out first to switch from ${session.email}.`);
      sessions.signedIn(renewed);
      setPassword('');
      onClose();
    });
  };

  return (
    <dialog ref={dialog} className="dialog" aria-labelledby="reauth-title" onClose={onClose}>
      <form onSubmit={onSubmit}>
        <h2 id="reauth-title">Sign in again</h2>
        <p>The server no longer accepts your session. Your unsynced changes are kept and will be sent once you sign in.</p>
        <div className="field">
          <label htmlFor="reauth-email">Email</label>
          <input id="reauth-email" type="email" value={session.email} readOnly />
        </div>
        <div className="field">
          <label htmlFor="reauth-password">Password</label>
          <input id="reauth-password" data-testid={TEST_IDS.reauthPassword} type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} autoFocus />
        </div>
        <ActionMessage action={action} />
        <div className="actions">
          <button type="submit" className="btn btn-primary" data-testid={TEST_IDS.reauthSubmit} disabled={action.busy}>
            Sign in
          </button>
          <button type="button" className="btn" onClick={onClose}>
            Not now
          </button>
        </div>
      </form>
    </dialog>
  );
}
