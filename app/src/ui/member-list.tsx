import { useAction } from '../hooks/use-action.js';
import { MemberRow, type MemberRules, type MemberView } from './member-row.js';

/**
 * Members of an org or a project, each row with its own action (its error shows on that row). Changes are
 * queued ops: they show at once and reach the server when it is reachable.
 */
export function MemberList({ members, me, rules, unsynced, onRoleChange, onRemove }: {
  members: readonly MemberView[] | undefined;
  me: string;
  rules: MemberRules;
  /** Member user ids with unconfirmed changes. */
  unsynced: ReadonlySet<string>;
  onRoleChange: (member: MemberView, role: string) => Promise<void>;
  onRemove: (member: MemberView) => Promise<void>;
}) {
  if (members === undefined) return <p className="muted">Reading members…</p>;
  if (members.length === 0) return <p className="empty">No members cached yet: they appear after the next sync.</p>;
  const sorted = [...members].sort((a, b) => (a.name || a.email).localeCompare(b.name || b.email));
  return (
    <ul className="row-list">
      {sorted.map((member) => (
        <MemberListRow key={member.userId} member={member} me={me} rules={rules} pending={unsynced.has(member.userId)} onRoleChange={onRoleChange} onRemove={onRemove} />
      ))}
    </ul>
  );
}

function MemberListRow({ member, me, rules, pending, onRoleChange, onRemove }: {
  member: MemberView;
  me: string;
  rules: MemberRules;
  pending: boolean;
  onRoleChange: (member: MemberView, role: string) => Promise<void>;
  onRemove: (member: MemberView) => Promise<void>;
}) {
  const action = useAction();
  return (
    <MemberRow
      member={member}
      self={member.userId === me}
      rules={rules}
      action={action}
      pending={pending}
      onRoleChange={(role) => void action.run(() => onRoleChange(member, role))}
      onRemove={() => void action.run(() => onRemove(member))}
    />
  );
}
