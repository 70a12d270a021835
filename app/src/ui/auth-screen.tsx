import { useState, type FormEvent } from 'react';
import { useAction } from '../hooks/use-action.js';
import { offlineMode, useOfflineMode } from '../network/offline-mode.js';
import { signIn, signUp } from '../session/auth-client.js';
import { sessions } from '../session/session-controller.js';
import { TEST_IDS } from '../test-ids.js';
import { ActionMessage } from './messages.js';

/** Sign in, or create an account (name, email, password), through Better Auth. Enter signs in. */
export function AuthScreen() {
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const offline = useOfflineMode();
  const action = useAction();

  const submit = (mode: 'sign-in' | 'sign-up') =>
    action.run(async () => {
      const address = email.trim();
      if (!address) throw new Error('Enter your email address.');
      if (!password) throw new Error('Enter your password.');
      if (mode === 'sign-up' && !name.trim()) throw new Error('Enter your name to create an account.');
      const session = mode === 'sign-up' ? await signUp({ name: name.trim(), email: address, password }) : await signIn({ email: address, password });
      sessions.signedIn(session);
    });

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void submit('sign-in');
  };

  return (
    <main className="auth" id="main">
      <div className="panel auth-card">
        <h1 className="auth-title">Appraisal</h1>
        <p className="lede">Critical appraisal for research teams. Your projects stay on this device and keep working offline.</p>
        {offline && (
          <p className="banner banner-warn">
            Offline mode is on, so signing in cannot reach the server.{' '}
            <button type="button" className="btn btn-quiet" onClick={() => offlineMode.set(false)}>
              Turn offline mode off
            </button>
          </p>
        )}
        <form onSubmit={onSubmit} noValidate aria-describedby="auth-error">
          <div className="field">
            <label htmlFor="auth-email">Email</label>
            <input id="auth-email" data-testid={TEST_IDS.email} type="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor="auth-password">Password</label>
            <input id="auth-password" data-testid={TEST_IDS.password} type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} aria-describedby="auth-password-hint" />
            <p className="hint" id="auth-password-hint">
              At least 8 characters.
            </p>
          </div>
          <div className="field">
            <label htmlFor="auth-name">
              Name <span className="optional">(new accounts only)</span>
            </label>
            <input id="auth-name" data-testid={TEST_IDS.name} type="text" autoComplete="name" value={name} onChange={(e) => setName(e.target.value)} />
          </div>
          <div className="actions">
            <button type="submit" className="btn btn-primary" data-testid={TEST_IDS.signIn} disabled={action.busy}>
              Sign in
            </button>
            <button type="button" className="btn" data-testid={TEST_IDS.signUp} disabled={action.busy} onClick={() => void submit('sign-up')}>
              Create account
            </button>
          </div>
          <ActionMessage action={action} id="auth-error" errorTestId={TEST_IDS.authError} />
        </form>
      </div>
    </main>
  );
}
