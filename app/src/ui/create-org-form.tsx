import { useState } from 'react';
import { useSyncEngine } from 'offline-sync-engine/client/react';
import { useCurrentOrg } from '../hooks/current-org.js';
import { useAction } from '../hooks/use-action.js';
import { useBrowserOnline } from '../hooks/use-browser-online.js';
import { createOrg } from '../network/org-api.js';
import { useOfflineMode } from '../network/offline-mode.js';
import { useSignedIn } from '../session/session-controller.js';
import { TEST_IDS } from '../test-ids.js';
import { NameForm } from './name-form.js';

/** Creates an org on the server (online only), pulls it into the cache, and switches to it. */
export function CreateOrgForm({ onCreated }: { onCreated?: () => void }) {
  const engine = useSyncEngine();
  const signedIn = useSignedIn();
  const { select } = useCurrentOrg();
  const offline = useOfflineMode() || !useBrowserOnline();
  const [name, setName] = useState('');
  const action = useAction();

  const onSubmit = () =>
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

  return (
    <NameForm
      id="new-org-name"
      label="Organization name"
      value={name}
      onChange={setName}
      onSubmit={onSubmit}
      action={action}
      inputTestId={TEST_IDS.newOrgName}
      buttonTestId={TEST_IDS.createOrg}
      buttonLabel={action.busy ? 'Creating…' : 'Create organization'}
      placeholder="e.g. Evidence Lab"
      hint={offline && 'You are offline: an organization is created on the server, so this needs the network.'}
    />
  );
}
