import { useState, type FormEvent } from 'react';
import { useAction } from '../hooks/use-action.js';
import type { Permission } from '../model/permissions.js';
import { TEST_IDS } from '../test-ids.js';
import type { MemberRules } from './member-row.js';
import { ActionMessage } from './messages.js';

/** Add a member by email with a role. Disabled, with the reason, when the user may not add members. */
export function AddMemberForm({ idPrefix, permission, rules, suggestions, onAdd }: {
  idPrefix: string;
  permission: Permission;
  rules: MemberRules;
  /** Emails offered while typing (e.g. org members not yet in the project). */
  suggestions?: readonly string[];
  onAdd: (email: string, role: string) => Promise<string | void>;
}) {
  const [email, setEmail] = useState('');
  const [role, setRole] = useState(rules.roles[0]?.value ?? '');
  const action = useAction();
  const disabled = !permission.allowed;
  const emailId = `${idPrefix}-member-email`;
  const listId = `${idPrefix}-member-suggestions`;

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void action.run(async () => {
      const address = email.trim();
      if (!address) throw new Error('Enter the email address of the person to add.');
      const notice = await onAdd(address, role);
      setEmail((current) => (current.trim() === address ? '' : current));
      return notice;
    });
  };

  return (
    <form className="stack-form" onSubmit={onSubmit} noValidate>
      <fieldset disabled={disabled} className="add-member">
        <legend>Add a member</legend>
        <div className="field field-grow">
          <label htmlFor={emailId}>Email</label>
          <input id={emailId} data-testid={TEST_IDS.memberEmail} type="email" value={email} onChange={(e) => setEmail(e.target.value)} list={suggestions?.length ? listId : undefined} autoComplete="off" />
          {suggestions && suggestions.length > 0 && (
            <datalist id={listId}>
              {suggestions.map((s) => (
                <option key={s} value={s} />
              ))}
            </datalist>
          )}
        </div>
        <div className="field">
          <label htmlFor={`${idPrefix}-member-role`}>Role</label>
          <select id={`${idPrefix}-member-role`} data-testid={TEST_IDS.memberRole} value={role} onChange={(e) => setRole(e.target.value)}>
            {rules.roles.map((r) => (
              <option key={r.value} value={r.value} disabled={!rules.grant(r.value).allowed}>
                {r.label}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className="btn btn-primary" data-testid={TEST_IDS.addMember} disabled={action.busy}>
          Add member
        </button>
      </fieldset>
      {!permission.allowed && <p className="hint">{permission.reason}</p>}
      <ActionMessage action={action} />
    </form>
  );
}
