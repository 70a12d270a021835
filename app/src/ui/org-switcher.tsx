import { useState } from 'react';
import { useCurrentOrg } from '../hooks/current-org.js';
import { TEST_IDS } from '../test-ids.js';
import { CreateOrgForm } from './create-org-form.js';

/** Pick the org to work in, or open the form that creates another. Hidden until the user has an org. */
export function OrgSwitcher() {
  const { orgs, org, select } = useCurrentOrg();
  const [creating, setCreating] = useState(false);
  if (!orgs?.length || !org) return null;
  return (
    <div className="org-switcher">
      <label htmlFor="org-switcher" className="visually-hidden">
        Organization
      </label>
      <select id="org-switcher" data-testid={TEST_IDS.orgSwitcher} value={org.id} onChange={(e) => select(e.target.value)}>
        {orgs.map((o) => (
          <option key={o.id} value={o.id}>
            {o.name} · {o.role}
          </option>
        ))}
      </select>
      <button type="button" className="btn btn-small" data-testid={TEST_IDS.newOrg} aria-label={creating ? 'Close' : 'New organization'} aria-expanded={creating} aria-controls="new-org-panel" onClick={() => setCreating(!creating)}>
        {creating ? (
          'Close'
        ) : (
          <>
            <span className="wide-only">New organization</span>
            <span className="narrow-only" aria-hidden="true">
              + New
            </span>
          </>
        )}
      </button>
      {creating && (
        <div className="popover" id="new-org-panel">
          <CreateOrgForm onCreated={() => setCreating(false)} />
        </div>
      )}
    </div>
  );
}
