import { useMemo } from 'react';
import { useOrgMembers, useProject, useProjectMembers, useSyncEngine } from 'offline-sync-engine/client/react';
import { useProjectRole } from '../hooks/use-project-role.js';
import { useUnsyncedIds } from '../hooks/use-unsynced-entities.js';
import { changeProjectMemberRole, manageProject, removeProjectMember } from '../model/permissions.js';
import type { Org, Project, ProjectRole } from '../model/types.js';
import { Link, paths } from '../routing/router.js';
import { TEST_IDS } from '../test-ids.js';
import { AddMemberForm } from './add-member-form.js';
import { MemberList } from './member-list.js';
import type { MemberRules } from './member-row.js';

const PROJECT_ROLES = [
  { value: 'member', label: 'Member' },
  { value: 'owner', label: 'Owner' },
] as const;

/** One project and its members. A project that is gone (deleted, or access lost) says so. */
export function ProjectPage({ org, projectId }: { org: Org; projectId: string }) {
  const project = useProject(projectId);
  if (project === undefined) return <p className="muted">Reading the project…</p>;
  if (project === null || project.orgId !== org.id) {
    return (
      <div className="panel empty">
        <h1>Project not available</h1>
        <p>It was deleted, belongs to another organization, or you no longer have access to it.</p>
        <Link to={paths.projects}>Back to projects</Link>
      </div>
    );
  }
  return <ProjectDetails org={org} project={project} />;
}

function ProjectDetails({ org, project }: { org: Org; project: Project }) {
  const engine = useSyncEngine();
  const members = useProjectMembers(project.id);
  const orgMembers = useOrgMembers(org.id);
  const unsynced = useUnsyncedIds(`projectMembers:${project.id}:`);
  const projectRole = useProjectRole(project, engine.userId);
  const manage = manageProject(org.role, projectRole);

  const owners = members?.filter((m) => m.role === 'owner').length ?? 0;
  const rules = useMemo<MemberRules>(
    () => ({
      roles: PROJECT_ROLES,
      changeRole: (member) => changeProjectMemberRole(org.role, projectRole, { role: member.role, owners }),
      grant: () => manage,
      remove: (member) => removeProjectMember(org.role, projectRole, member.userId === engine.userId, { role: member.role, owners }),
    }),
    [manage, org.role, projectRole, engine.userId, owners],
  );

  // Only org members can join a project: offer the ones not in it yet.
  const suggestions = useMemo(() => {
    const inProject = new Set(members?.map((m) => m.userId));
    return (orgMembers ?? []).filter((m) => !inProject.has(m.userId) && m.email).map((m) => m.email);
  }, [members, orgMembers]);

  return (
    <>
      <p className="breadcrumb">
        <Link to={paths.projects}>Projects</Link> <span aria-hidden="true">/</span>
      </p>
      <div className="page-head">
        <h1 data-testid={TEST_IDS.projectTitle}>{project.name}</h1>
        <p className="muted">
          In {org.name}
          {projectRole && ` · you are its ${projectRole}`}
        </p>
        {project.description && <p>{project.description}</p>}
      </div>

      <section className="panel" aria-labelledby="project-members-title">
        <h2 id="project-members-title">Project members</h2>
        <AddMemberForm
          idPrefix="project"
          permission={manage}
          rules={rules}
          suggestions={suggestions}
          onAdd={async (email, role) => {
            // A known org member shows at once; an unknown email waits for the server's answer.
            const known = orgMembers?.find((m) => m.email.toLowerCase() === email.toLowerCase());
            await engine.projectMembers.add(org.id, project.id, known ? { userId: known.userId, email: known.email, name: known.name, role: role as ProjectRole } : { email, role: role as ProjectRole });
            return known ? `Added ${known.name || known.email}.` : `Adding ${email}: they appear here once the server confirms (they must belong to ${org.name}).`;
          }}
        />
        <MemberList
          members={members}
          me={engine.userId}
          rules={rules}
          unsynced={unsynced}
          onRoleChange={(member, role) => engine.projectMembers.updateRole(org.id, project.id, member.userId, role as ProjectRole)}
          onRemove={(member) => engine.projectMembers.remove(org.id, project.id, member.userId)}
        />
      </section>
    </>
  );
}
