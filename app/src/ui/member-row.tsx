import type { Action } from '../hooks/use-action.js';
import type { Permission } from '../model/permissions.js';
import { TEST_IDS } from '../test-ids.js';
import { InlineError } from './messages.js';

/** What the member lists need of an org or project member. */
export interface MemberView {
  readonly userId: string;
  readonly name: string;
  readonly email: string;
  readonly role: string;
}

export interface RoleOption {
  readonly value: string;
  readonly label: string;
}

export interface MemberRules {
  readonly roles: readonly RoleOption[];
  /** May the user give this member another role? */
  changeRole(member: MemberView): Permission;
  /** May the user grant this role (owner takes an owner)? */
  grant(role: string): Permission;
  remove(member: MemberView): Permission;
}

/** One member: who, their role (a select when it may be changed), and remove (or leave, for oneself). */
export function MemberRow({ member, self, rules, action, onRoleChange, onRemove, pending }: {
  member: MemberView;
  self: boolean;
  rules: MemberRules;
  action: Action;
  onRoleChange: (role: string) => void;
  onRemove: () => void;
  pending: boolean;
}) {
  const change = rules.changeRole(member);
  const remove = rules.remove(member);
  const selectId = `role-${member.userId}`;
  const who = member.name || member.email || member.userId;
  return (
    <li className="row" data-testid={TEST_IDS.memberRow}>
      <div className="row-main">
        <span className="row-title">
          {who} {self && <span className="badge">you</span>}
          {pending && <span className="badge badge-pending">Not synced yet</span>}
        </span>
        {member.email && member.email !== who && <p className="row-sub">{member.email}</p>}
      </div>
      <div className="row-actions">
        <label htmlFor={selectId} className="visually-hidden">
          Role of {who}
        </label>
        <select
          id={selectId}
          data-testid={TEST_IDS.memberRowRole}
          value={member.role}
          disabled={!change.allowed || action.busy}
          title={change.allowed ? undefined : change.reason}
          onChange={(e) => onRoleChange(e.target.value)}
        >
          {rules.roles.map((role) => {
            const grant = rules.grant(role.value);
            return (
              <option key={role.value} value={role.value} disabled={role.value !== member.role && !grant.allowed}>
                {role.label}
              </option>
            );
          })}
        </select>
        <button
          type="button"
          className="btn btn-small btn-danger-quiet"
          data-testid={TEST_IDS.memberRemove}
          disabled={!remove.allowed || action.busy}
          title={remove.allowed ? undefined : remove.reason}
          onClick={onRemove}
        >
          {self ? 'Leave' : 'Remove'}
        </button>
      </div>
      {self && !remove.allowed && <p className="hint row-hint">{remove.reason}</p>}
      <InlineError message={action.error} />
    </li>
  );
}
