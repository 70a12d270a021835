import { useState } from 'react';
import { useSyncEngine } from 'offline-sync-engine/client/react';
import { useAction } from '../hooks/use-action.js';
import { renameOrg } from '../model/permissions.js';
import type { Org } from '../model/types.js';
import { renameOrg as renameOrgOnServer } from '../network/org-api.js';
import { useSignedIn } from '../session/session-controller.js';
import { TEST_IDS } from '../test-ids.js';
import { NameForm } from './name-form.js';

/** Rename the org (admins and owners; online only, like creating one), then pull the new name. */
export function OrgNameForm({ org }: { org: Org }) {
  const engine = useSyncEngine();
  const signedIn = useSignedIn();
  const [name, setName] = useState(org.name);
  const action = useAction();
  const permission = renameOrg(org.role);

  const onSubmit = () =>
    void action.run(async () => {
      if (!signedIn) throw new Error('You are signed out.');
      await renameOrgOnServer(signedIn.session.token, org.id, name);
      await engine.syncNow();
      return 'Renamed.';
    });

  return (
    <NameForm
      className="panel"
      id="org-name"
      label="Organization name"
      value={name}
      onChange={setName}
      onSubmit={onSubmit}
      action={action}
      inputTestId={TEST_IDS.orgNameInput}
      buttonTestId={TEST_IDS.renameOrg}
      buttonLabel="Rename"
      primary={false}
      disabled={!permission.allowed}
      buttonDisabled={name.trim() === org.name}
      hint={permission.allowed ? 'Renaming needs the network: the server keeps the organization’s name.' : permission.reason}
    />
  );
}
