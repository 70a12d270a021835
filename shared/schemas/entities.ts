import * as z from 'zod/mini';
import { hlcSchema } from '../clock/hlc-codec.js';
import { LIMITS } from '../limits.js';
import {
  idSchema,
  jsonValueSchema,
  orgRoleSchema,
  projectRoleSchema,
  settingKeySchema,
  timeMsSchema,
  userIdSchema,
  versionSchema,
} from './primitives.js';

/**
 * Synced rows on the wire. Every row carries updatedAt, deletedAt (null while alive) and version.
 * A tombstone is an item whose deletedAt is a number; it carries at least the row's key fields, because a
 * revocation tombstone (access lost) is built from keys alone.
 */
const rowMeta = {
  createdAt: timeMsSchema,
  updatedAt: timeMsSchema,
  deletedAt: z.null(),
  version: versionSchema,
};
const tombstoneMeta = {
  deletedAt: timeMsSchema,
  updatedAt: z.optional(timeMsSchema),
  version: z.optional(versionSchema),
};

/** Names and descriptions as a write must give them (requests.ts). */
export const nameSchema = z.string().check(z.trim(), z.minLength(1), z.maxLength(LIMITS.maxNameLength));
export const descriptionSchema = z.string().check(z.maxLength(LIMITS.maxDescriptionLength));
/**
 * A row carries what the server stores: the write rules above are for requests. A row written before a rule
 * existed, or by hand, must still read, or one odd name would stop a whole collection from syncing.
 */
const storedText = z.string();

/**
 * An org's change heads: per sub-collection, the change seq of the last write that may have changed it. A head
 * that moved since the client last saw the org means "pull that collection". Optional so rows stored before
 * heads existed still parse; the server always sends them.
 */
const headSchema = z.int().check(z.nonnegative());
export const orgHeadsSchema = z.object({ members: headSchema, projects: headSchema, settings: headSchema, projectMembers: headSchema });
export const orgSchema = z.object({ id: idSchema, name: storedText, role: orgRoleSchema, ...rowMeta, heads: z.optional(orgHeadsSchema) });
export const orgTombstoneSchema = z.object({ id: idSchema, ...tombstoneMeta });
export const orgItemSchema = z.union([orgSchema, orgTombstoneSchema]);

export const orgMemberSchema = z.object({
  orgId: idSchema,
  userId: userIdSchema,
  role: orgRoleSchema,
  email: z.string(),
  name: z.string(),
  ...rowMeta,
});
export const orgMemberTombstoneSchema = z.object({ orgId: idSchema, userId: userIdSchema, ...tombstoneMeta });
export const orgMemberItemSchema = z.union([orgMemberSchema, orgMemberTombstoneSchema]);

export const projectSchema = z.object({
  id: idSchema,
  orgId: idSchema,
  name: storedText,
  description: storedText,
  createdBy: userIdSchema,
  ...rowMeta,
});
export const projectTombstoneSchema = z.object({ id: idSchema, orgId: idSchema, ...tombstoneMeta });
export const projectItemSchema = z.union([projectSchema, projectTombstoneSchema]);

export const projectMemberSchema = z.object({
  projectId: idSchema,
  orgId: idSchema,
  userId: userIdSchema,
  role: projectRoleSchema,
  email: z.string(),
  name: z.string(),
  ...rowMeta,
});
export const projectMemberTombstoneSchema = z.object({
  projectId: idSchema,
  userId: userIdSchema,
  orgId: z.optional(idSchema),
  ...tombstoneMeta,
});
export const projectMemberItemSchema = z.union([projectMemberSchema, projectMemberTombstoneSchema]);

/** A setting as stored and pulled: an LWW register with its key and the server time it last changed. */
export const settingSchema = z.object({
  key: settingKeySchema,
  value: z.nullable(jsonValueSchema),
  hlc: hlcSchema,
  updatedAt: timeMsSchema,
});

/** Local-only cache index of a PDF; the blob itself lives elsewhere. */
export const pdfMetaSchema = z.object({
  /** `projectId:studyId:fileName` */
  id: z.string().check(z.minLength(3)),
  projectId: idSchema,
  studyId: z.string().check(z.minLength(1)),
  fileName: z.string().check(z.minLength(1)),
  size: z.int().check(z.nonnegative()),
  etag: z.string(),
  cachedAt: timeMsSchema,
  lastUsedAt: timeMsSchema,
});

export type Org = z.infer<typeof orgSchema>;
export type OrgHeads = z.infer<typeof orgHeadsSchema>;
export type OrgTombstone = z.infer<typeof orgTombstoneSchema>;
export type OrgItem = z.infer<typeof orgItemSchema>;
export type OrgMember = z.infer<typeof orgMemberSchema>;
export type OrgMemberTombstone = z.infer<typeof orgMemberTombstoneSchema>;
export type OrgMemberItem = z.infer<typeof orgMemberItemSchema>;
export type Project = z.infer<typeof projectSchema>;
export type ProjectTombstone = z.infer<typeof projectTombstoneSchema>;
export type ProjectItem = z.infer<typeof projectItemSchema>;
export type ProjectMember = z.infer<typeof projectMemberSchema>;
export type ProjectMemberTombstone = z.infer<typeof projectMemberTombstoneSchema>;
export type ProjectMemberItem = z.infer<typeof projectMemberItemSchema>;
export type Setting = z.infer<typeof settingSchema>;
export type PdfMeta = z.infer<typeof pdfMetaSchema>;
