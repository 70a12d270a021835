import type { useOrgMembers, useOrgs, useProjectMembers, useProjects } from 'offline-sync-engine/client/react';

/** Row types as the hooks give them (the app imports only the public client API and hooks). */
export type Org = NonNullable<ReturnType<typeof useOrgs>>[number];
export type OrgRole = Org['role'];
export type Project = NonNullable<ReturnType<typeof useProjects>>[number];
export type OrgMember = NonNullable<ReturnType<typeof useOrgMembers>>[number];
export type ProjectMember = NonNullable<ReturnType<typeof useProjectMembers>>[number];
export type ProjectRole = ProjectMember['role'];
