import type * as z from 'zod/mini';
import { orgMemberPageSchema, orgPageSchema, projectMemberPageSchema, projectPageSchema } from '../../shared/schemas/page.js';
import type { EntityKey, EntityTable } from '../storage/rows.js';
import type { SyncDatabase } from '../storage/sync-database.js';

/**
 * A pulled collection: one server page route, the local table it fills, and how to find its rows locally
 * (for the sweep after a full resync). Collections are scoped: `projects:<orgId>` is one org's projects.
 */
export interface CollectionSpec {
  readonly id: string;
  /** Canonical (`/api/…`); the transport sends it where the app's route layout says. */
  readonly path: string;
  readonly table: EntityTable;
  readonly pageSchema: z.ZodMiniType<{ items: Record<string, unknown>[]; nextCursor: string; hasMore: boolean; serverTime: number }>;
  readonly keyOf: (item: Record<string, unknown>) => EntityKey;
  readonly localKeys: (db: SyncDatabase) => Promise<EntityKey[]>;
  /** The scope a 404/403 on this collection means the caller lost. */
  readonly scope: { readonly kind: 'org' | 'project'; readonly id: string } | null;
}

const pageOf = (schema: z.ZodMiniType) => schema as CollectionSpec['pageSchema'];

export const orgsCollection = (): CollectionSpec => ({
  id: 'orgs',
  path: '/api/orgs',
  table: 'orgs',
  pageSchema: pageOf(orgPageSchema),
  keyOf: (item) => item.id as string,
  localKeys: async (db) => (await db.orgs.toCollection().primaryKeys()) as string[],
  scope: null,
});

export const orgMembersCollection = (orgId: string): CollectionSpec => ({
  id: `orgMembers:${orgId}`,
  path: `/api/orgs/${orgId}/members`,
  table: 'orgMembers',
  pageSchema: pageOf(orgMemberPageSchema),
  keyOf: (item) => [item.orgId as string, item.userId as string],
  localKeys: async (db) => (await db.orgMembers.where('orgId').equals(orgId).primaryKeys()) as EntityKey[],
  scope: { kind: 'org', id: orgId },
});

export const projectsCollection = (orgId: string): CollectionSpec => ({
  id: `projects:${orgId}`,
  path: `/api/orgs/${orgId}/projects`,
  table: 'projects',
  pageSchema: pageOf(projectPageSchema),
  keyOf: (item) => item.id as string,
  localKeys: async (db) => (await db.projects.where('orgId').equals(orgId).primaryKeys()) as string[],
  scope: { kind: 'org', id: orgId },
});

/**
 * Every project membership of an org the caller may see, in one paged listing (a server that sends org heads
 * has it): one request per org instead of one per project.
 */
export const orgProjectMembersCollection = (orgId: string): CollectionSpec => ({
  id: `projectMembers:org:${orgId}`,
  path: `/api/orgs/${orgId}/project-members`,
  table: 'projectMembers',
  pageSchema: pageOf(projectMemberPageSchema),
  keyOf: (item) => [item.projectId as string, item.userId as string],
  localKeys: async (db) => (await db.projectMembers.where('orgId').equals(orgId).primaryKeys()) as EntityKey[],
  scope: { kind: 'org', id: orgId },
});

export const projectMembersCollection = (orgId: string, projectId: string): CollectionSpec => ({
  id: `projectMembers:${projectId}`,
  path: `/api/orgs/${orgId}/projects/${projectId}/members`,
  table: 'projectMembers',
  pageSchema: pageOf(projectMemberPageSchema),
  keyOf: (item) => [item.projectId as string, item.userId as string],
  localKeys: async (db) => (await db.projectMembers.where('projectId').equals(projectId).primaryKeys()) as EntityKey[],
  scope: { kind: 'project', id: projectId },
});
