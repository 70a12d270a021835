import { useState, type FormEvent } from 'react';
import { useSyncEngine } from '../../../client/react/index.js';
import { useCurrentOrg } from '../hooks/current-org.js';
import { useAction } from '../hooks/use-action.js';
import { useBrowserOnline } from '../hooks/use-browser-online.js';
import { createOrg } from '../network/org-api.js';
import { useOfflineMode } from '../network/offline-mode.js';
import { useSignedIn } from '../session/session-controller.js';
import { TEST_IDS } from '../test-ids.js';
import { ActionMessage } from './messages.js';

/** Creates an org on the server (online only), pulls it into the cache, and switches to it. */
export function CreateOrgForm({ onCreated }: { onCreated?: () => void }) {
  const engine = useSyncEngine();
  const signedIn = useSignedIn();
  const { select } = useCurrentOrg();
  const offline = useOfflineMode() || !useBrowserOnline();
  const [name, setName] = useState('');
  const action = useAction();

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void action.run(async () => {
      if (!signedIn) throw new Error('You are signed out.');
      const created = name.trim();
      const id = await createOrg(signedIn.session.token, created);
      setName((current) => (current.trim() === created ? '' : current));
      await engine.syncNow();
      select(id);
      onCreated?.();
      return `Created “${created}”. You are its owner.`;
    });
  };

  return (
    <form className="stack-form" onSubmit={onSubmit} noValidate>
      <div className="field">
        <label htmlFor="new-org-name">Organization name</label>
        <div className="input-row">
          <input id="new-org-name" data-testid={TEST_IDS.newOrgName} value={name} maxLength={255} onChange={(e) => setName(e.target.value)} placeholder="e.g. Evidence Lab" />
          <button type="submit" className="btn btn-primary" data-testid={TEST_IDS.createOrg} disabled={action.busy}>
            {action.busy ? 'Creating…' : 'Create organization'}
          </button>
        </div>
        {offline && <p className="hint">You are offline: an organization is created on the server, so this needs the network.</p>}
      </div>
      <ActionMessage action={action} />
    </form>
  );
}
