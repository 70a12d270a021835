import { editOrgSettings } from '../model/permissions.js';
import { ORG_SETTING_FIELDS, USER_SETTING_FIELDS } from '../model/setting-fields.js';
import type { Org } from '../model/types.js';
import { SettingField } from './setting-field.js';

/** The user's own settings, and the current org's (editable by its admins and owners, shown to everyone). */
export function SettingsPage({ org }: { org: Org | null }) {
  const orgPermission = org ? editOrgSettings(org.role) : null;
  return (
    <>
      <div className="page-head">
        <h1>Settings</h1>
        <p className="muted">Saved on this device at once and synced to your other devices; the latest change wins.</p>
      </div>
      <section className="panel settings" aria-labelledby="user-settings-title">
        <h2 id="user-settings-title">Your preferences</h2>
        {USER_SETTING_FIELDS.map((field) => (
          <SettingField key={field.key} field={field} scope="user" />
        ))}
        <p className="editor-preview" aria-label="Editor font preview">
          Editor preview: “Randomisation was adequately concealed.”
        </p>
      </section>
      {org && orgPermission && (
        <section className="panel settings" aria-labelledby="org-settings-title">
          <h2 id="org-settings-title">Organization settings · {org.name}</h2>
          {ORG_SETTING_FIELDS.map((field) => (
            <SettingField key={`${org.id}:${field.key}`} field={field} scope={{ orgId: org.id }} {...(orgPermission.allowed ? {} : { readOnlyReason: orgPermission.reason })} />
          ))}
        </section>
      )}
    </>
  );
}
