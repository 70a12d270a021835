import * as z from 'zod/mini';
import { LIMITS, SETTING_KEY_PATTERN } from '../limits.js';
import { measureJson } from '../merge/measure-json.js';

/** Integer milliseconds since the epoch. */
export const timeMsSchema = z.int().check(z.nonnegative());
/** Entity ids are uuids, client-chosen for offline creates. */
export const idSchema = z.uuid();
/** Better Auth user ids are opaque strings, not uuids. */
export const userIdSchema = z.string().check(z.minLength(1), z.maxLength(255));
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
/**
 * Any JSON value (no undefined, NaN or functions) nested at most LIMITS.maxJsonDepth deep. Not z.json():
 * that schema recurses (a value 10,000 deep overflows the stack) and rebuilds objects by assignment (a
 * `__proto__` key silently vanishes). This one walks iteratively and passes the value through untouched.
 */
export const jsonValueSchema = z.custom<JsonValue>(
  (value) => measureJson(value, { maxDepth: LIMITS.maxJsonDepth }).ok,
  `not JSON, or nested deeper than ${LIMITS.maxJsonDepth} levels`,
);
/** Grows on every change of a row; sent back in `If-Match: "<version>"`. */
export const versionSchema = z.int().check(z.positive());
export const settingKeySchema = z.string().check(z.regex(SETTING_KEY_PATTERN, 'setting key must match ^[a-zA-Z0-9._:-]{1,128}$'));

export const ORG_ROLES = ['owner', 'admin', 'member'] as const;
export const PROJECT_ROLES = ['owner', 'member'] as const;
export const orgRoleSchema = z.enum(ORG_ROLES);
export const projectRoleSchema = z.enum(PROJECT_ROLES);
export type OrgRole = z.infer<typeof orgRoleSchema>;
export type ProjectRole = z.infer<typeof projectRoleSchema>;

export const SETTING_SCOPES = ['user', 'org'] as const;
export const settingScopeSchema = z.enum(SETTING_SCOPES);
export type SettingScope = z.infer<typeof settingScopeSchema>;
