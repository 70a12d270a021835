import { useState, type FormEvent } from 'react';
import { useSyncEngine } from '../../../client/react/index.js';
import { useAction } from '../hooks/use-action.js';
import { renameOrg } from '../model/permissions.js';
import type { Org } from '../model/types.js';
import { renameOrg as renameOrgOnServer } from '../network/org-api.js';
import { useSignedIn } from '../session/session-controller.js';
import { TEST_IDS } from '../test-ids.js';
import { ActionMessage } from './messages.js';

/** Rename the org (admins and owners; online only, like creating one), then pull the new name. */
export function OrgNameForm({ org }: { org: Org }) {
  const engine = useSyncEngine();
  const signedIn = useSignedIn();
  const [name, setName] = useState(org.name);
  const action = useAction();
  const permission = renameOrg(org.role);

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void action.run(async () => {
      if (!signedIn) throw new Error('You are signed out.');
      await renameOrgOnServer(signedIn.session.token, org.id, name);
      await engine.syncNow();
      return 'Renamed.';
    });
  };

  return (
    <form className="panel stack-form" onSubmit={onSubmit} noValidate>
      <div className="field">
        <label htmlFor="org-name">Organization name</label>
        <div className="input-row">
          <input id="org-name" data-testid={TEST_IDS.orgNameInput} value={name} maxLength={255} disabled={!permission.allowed} onChange={(e) => setName(e.target.value)} />
          <button type="submit" className="btn" data-testid={TEST_IDS.renameOrg} disabled={!permission.allowed || action.busy || name.trim() === org.name}>
            Rename
          </button>
        </div>
        <p className="hint">{permission.allowed ? 'Renaming needs the network: the server keeps the organization’s name.' : permission.reason}</p>
      </div>
      <ActionMessage action={action} />
    </form>
  );
}
