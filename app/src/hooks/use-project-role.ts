import { useProjectMembers } from 'offline-sync-engine/client/react';
import type { Project, ProjectRole } from '../model/types.js';

/**
 * The user's role in a project: their membership row, else owner when they created it (the server makes the
 * creator its owner; that row arrives with the next pull, and an offline-created project has none yet).
 */
export function useProjectRole(project: Project, userId: string): ProjectRole | null {
  const members = useProjectMembers(project.id);
  const mine = members?.find((m) => m.userId === userId);
  return mine?.role ?? (project.createdBy === userId ? 'owner' : null);
}
