import { useState, type FormEvent } from 'react';
import { useSyncEngine } from 'offline-sync-engine/client/react';
import { useAction, type Action } from '../hooks/use-action.js';
import { useProjectRole } from '../hooks/use-project-role.js';
import { manageProject } from '../model/permissions.js';
import type { Org, Project } from '../model/types.js';
import { Link, paths } from '../routing/router.js';
import { TEST_IDS } from '../test-ids.js';
import { InlineError } from './messages.js';

/**
 * One project: its name (a link to its page), its sync state, rename in place, delete. A rename's error shows
 * under the row; a delete reports through `listAction` (the row is gone once it is deleted).
 */
export function ProjectRow({ org, project, sync, listAction }: { org: Org; project: Project; sync: 'pending' | 'failed' | undefined; listAction: Action }) {
  const engine = useSyncEngine();
  const action = useAction();
  const projectRole = useProjectRole(project, engine.userId);
  const canDelete = manageProject(org.role, projectRole);
  const [renaming, setRenaming] = useState(false);
  const [draft, setDraft] = useState(project.name);
  const inputId = `rename-${project.id}`;

  const save = (event: FormEvent) => {
    event.preventDefault();
    void action
      .run(async () => {
        if (draft.trim() !== project.name) await engine.projects.update(org.id, project.id, { name: draft });
      })
      .then((ok) => ok && setRenaming(false));
  };

  return (
    <li className="row" data-testid={TEST_IDS.projectRow}>
      {renaming ? (
        <form className="rename-form" onSubmit={save} onKeyDown={(e) => e.key === 'Escape' && setRenaming(false)}>
          <label htmlFor={inputId} className="visually-hidden">
            New name for {project.name}
          </label>
          <input id={inputId} data-testid={TEST_IDS.renameInput} value={draft} maxLength={255} autoFocus onChange={(e) => setDraft(e.target.value)} />
          <button type="submit" className="btn btn-small btn-primary" data-testid={TEST_IDS.renameSave} disabled={action.busy}>
            Save
          </button>
          <button type="button" className="btn btn-small" onClick={() => setRenaming(false)}>
            Cancel
          </button>
        </form>
      ) : (
        <>
          <div className="row-main">
            <Link to={paths.project(project.id)} className="row-title" data-testid={TEST_IDS.projectLink}>
              {project.name}
            </Link>
            {sync && (
              <span className={`badge ${sync === 'failed' ? 'badge-danger' : 'badge-pending'}`} data-testid={TEST_IDS.projectSyncBadge}>
                {sync === 'failed' ? 'Sync failed' : 'Not synced yet'}
              </span>
            )}
            {project.description && <p className="row-sub">{project.description}</p>}
          </div>
          <div className="row-actions">
            <button
              type="button"
              className="btn btn-small"
              data-testid={TEST_IDS.renameProject}
              aria-label={`Rename ${project.name}`}
              onClick={() => {
                setDraft(project.name);
                action.reset();
                setRenaming(true);
              }}
            >
              Rename
            </button>
            <button
              type="button"
              className="btn btn-small btn-danger-quiet"
              data-testid={TEST_IDS.deleteProject}
              aria-label={`Delete ${project.name}`}
              disabled={!canDelete.allowed || listAction.busy}
              title={canDelete.allowed ? undefined : canDelete.reason}
              onClick={() =>
                void listAction.run(async () => {
                  await engine.projects.remove(org.id, project.id);
                  return `Deleted “${project.name}”.`;
                })
              }
            >
              Delete
            </button>
          </div>
        </>
      )}
      <InlineError message={action.error} />
    </li>
  );
}
