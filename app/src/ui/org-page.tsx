import { useMemo } from 'react';
import { useOrgMembers, useSyncEngine } from 'offline-sync-engine/client/react';
import { useUnsyncedIds } from '../hooks/use-unsynced-entities.js';
import { changeOrgMemberRole, grantOrgOwner, manageOrgMembers, removeOrgMember } from '../model/permissions.js';
import type { Org, OrgRole } from '../model/types.js';
import { withArticle } from '../model/words.js';
import { AddMemberForm } from './add-member-form.js';
import { MemberList } from './member-list.js';
import type { MemberRules } from './member-row.js';
import { OrgNameForm } from './org-name-form.js';

const ORG_ROLES = [
  { value: 'member', label: 'Member' },
  { value: 'admin', label: 'Admin' },
  { value: 'owner', label: 'Owner' },
] as const;

/** The org: its name and its members (add by email, change role, remove, or leave). */
export function OrgPage({ org }: { org: Org }) {
  const engine = useSyncEngine();
  const members = useOrgMembers(org.id);
  const unsynced = useUnsyncedIds(`orgMembers:${org.id}:`);
  const manage = manageOrgMembers(org.role);

  const owners = members?.filter((m) => m.role === 'owner').length ?? 0;
  const rules = useMemo<MemberRules>(
    () => ({
      roles: ORG_ROLES,
      changeRole: (member) => changeOrgMemberRole(org.role, { role: member.role, owners }),
      grant: (role) => (role === 'owner' ? grantOrgOwner(org.role) : manage),
      remove: (member) => removeOrgMember(org.role, member.userId === engine.userId, { role: member.role, owners }),
    }),
    [org.role, manage, engine.userId, owners],
  );

  return (
    <>
      <div className="page-head">
        <h1>{org.name}</h1>
        <p className="muted">Organization · you are {withArticle(org.role)}</p>
      </div>
      <OrgNameForm key={org.id + org.name} org={org} />

      <section className="panel" aria-labelledby="org-members-title">
        <h2 id="org-members-title">Members</h2>
        <AddMemberForm
          idPrefix="org"
          permission={manage}
          rules={rules}
          onAdd={async (email, role) => {
            await engine.orgMembers.add(org.id, { email, role: role as OrgRole });
            return `Adding ${email} as ${role}: they appear here once the server confirms.`;
          }}
        />
        <MemberList
          members={members}
          me={engine.userId}
          rules={rules}
          unsynced={unsynced}
          onRoleChange={(member, role) => engine.orgMembers.updateRole(org.id, member.userId, role as OrgRole)}
          onRemove={(member) => engine.orgMembers.remove(org.id, member.userId)}
        />
      </section>
    </>
  );
}
