import { useState } from 'react';
import { useProjects, useSyncEngine } from 'offline-sync-engine/client/react';
import { useAction } from '../hooks/use-action.js';
import { useUnsyncedEntities } from '../hooks/use-unsynced-entities.js';
import { isOrgAdmin } from '../model/permissions.js';
import type { Org } from '../model/types.js';
import { withArticle } from '../model/words.js';
import { TEST_IDS } from '../test-ids.js';
import { ActionMessage } from './messages.js';
import { NameForm } from './name-form.js';
import { ProjectRow } from './project-row.js';

/** The org's projects (those this user can see): create, rename, delete; all of it works offline. */
export function ProjectsPage({ org }: { org: Org }) {
  const engine = useSyncEngine();
  const projects = useProjects(org.id);
  const unsynced = useUnsyncedEntities();
  const [name, setName] = useState('');
  const create = useAction();
  const rowAction = useAction();

  const onCreate = () =>
    void create.run(async () => {
      const project = await engine.projects.create(org.id, { name });
      // Typing may have gone on while this was saved: clear only what was submitted.
      setName((current) => (current === name ? '' : current));
      return `Created “${project.name}”.`;
    });

  return (
    <>
      <div className="page-head">
        <h1>Projects</h1>
        <p className="muted">
          In {org.name} · you are {withArticle(org.role)}
        </p>
      </div>

      <NameForm
        className="panel"
        id="new-project-name"
        label="New project"
        value={name}
        onChange={setName}
        onSubmit={onCreate}
        action={create}
        inputTestId={TEST_IDS.newProjectName}
        buttonTestId={TEST_IDS.createProject}
        buttonLabel="Create project"
        placeholder="e.g. RCT appraisal"
      />

      <section className="panel" aria-labelledby="project-list-title">
        <h2 id="project-list-title" className="visually-hidden">
          Project list
        </h2>
        {projects === undefined ? (
          <p className="muted">Reading projects…</p>
        ) : projects.length === 0 ? (
          <div className="empty">
            <p>No projects yet.</p>
            <p className="muted">Create the first one above. It works offline too: it is sent when you are back online.</p>
          </div>
        ) : (
          <ul className="row-list">
            {projects.map((project) => (
              <ProjectRow key={project.id} org={org} project={project} sync={unsynced.get(`projects:${project.id}`)} listAction={rowAction} />
            ))}
          </ul>
        )}
        {!isOrgAdmin(org.role) && projects && projects.length > 0 && (
          <p className="hint">You see the projects you are a member of. Deleting a project takes its owner or an org admin.</p>
        )}
        <ActionMessage action={rowAction} />
      </section>
    </>
  );
}
