import { useSignedIn } from './session/session-controller.js';
import { AuthScreen } from './ui/auth-screen.js';
import { Workspace } from './ui/workspace.js';

/** Signed out: the sign-in screen. Signed in: that user's workspace (remounted per user, no state leaks). */
export function App() {
  const signedIn = useSignedIn();
  return signedIn ? <Workspace key={signedIn.session.userId} signedIn={signedIn} /> : <AuthScreen />;
}
