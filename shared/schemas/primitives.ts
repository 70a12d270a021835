import { z } from 'zod';
import { SETTING_KEY_PATTERN } from '../limits.js';

/** Integer milliseconds since the epoch. */
export const timeMsSchema = z.int().nonnegative();
/** Entity ids are uuids, client-chosen for offline creates. */
export const idSchema = z.uuid();
/** Better Auth user ids are opaque strings, not uuids. */
export const userIdSchema = z.string().min(1).max(255);
/** Any JSON value (no undefined, NaN or functions). */
export const jsonValueSchema = z.json();
export type JsonValue = z.infer<typeof jsonValueSchema>;
/** Grows on every change of a row; sent back in `If-Match: "<version>"`. */
export const versionSchema = z.int().positive();
export const settingKeySchema = z.string().regex(SETTING_KEY_PATTERN, 'setting key must match ^[a-zA-Z0-9._:-]{1,128}$');

export const ORG_ROLES = ['owner', 'admin', 'member'] as const;
export const PROJECT_ROLES = ['owner', 'member'] as const;
export const orgRoleSchema = z.enum(ORG_ROLES);
export const projectRoleSchema = z.enum(PROJECT_ROLES);
export type OrgRole = z.infer<typeof orgRoleSchema>;
export type ProjectRole = z.infer<typeof projectRoleSchema>;

export const SETTING_SCOPES = ['user', 'org'] as const;
export const settingScopeSchema = z.enum(SETTING_SCOPES);
export type SettingScope = z.infer<typeof settingScopeSchema>;
