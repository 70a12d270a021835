import * as z from 'zod/mini';
import { LIMITS, SETTING_KEY_PATTERN } from '../limits.js';
import { measureJson } from '../merge/measure-json.js';
import type { JsonValue, SettingScope } from '../schemas/primitives.js';

/**
 * The settings the app knows, each with its value schema and the scope it lives in. A key is valid in
 * exactly one scope; `custom.*` keys take any JSON (up to the size limit) in either scope; anything else is
 * rejected on both sides, so a typo cannot silently create a setting nobody reads.
 */
export const SETTINGS_REGISTRY = {
  theme: { scope: 'user', schema: z.enum(['light', 'dark', 'system']) },
  locale: { scope: 'user', schema: z.string().check(z.regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'BCP 47 language tag')) },
  timezone: { scope: 'user', schema: z.string().check(z.minLength(1), z.maxLength(64)) },
  'notifications.email': { scope: 'user', schema: z.boolean() },
  'notifications.digest': { scope: 'user', schema: z.enum(['off', 'daily', 'weekly']) },
  'editor.fontSize': { scope: 'user', schema: z.int().check(z.minimum(8), z.maximum(32)) },
  'appraisal.defaultTool': { scope: 'org', schema: z.enum(['casp', 'jbi', 'amstar2', 'rob2', 'robins-i', 'grade']) },
  'appraisal.blindReview': { scope: 'org', schema: z.boolean() },
  'org.locale': { scope: 'org', schema: z.string().check(z.regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'BCP 47 language tag')) },
} as const satisfies Record<string, { scope: SettingScope; schema: z.ZodMiniType }>;

export type KnownSettingKey = keyof typeof SETTINGS_REGISTRY;
export const CUSTOM_SETTING_PREFIX = 'custom.';

export type SettingRejectionCode = 'SETTING_KEY_UNKNOWN' | 'SETTING_VALUE_INVALID' | 'SETTING_VALUE_TOO_LARGE';

/** Expected outcome as data: the caller reports a rejection per entry and applies the rest. */
export type SettingValidation =
  | { readonly ok: true; readonly value: JsonValue | null }
  | { readonly ok: false; readonly code: SettingRejectionCode; readonly message: string };

export function isKnownSettingKey(key: string): key is KnownSettingKey {
  return Object.prototype.hasOwnProperty.call(SETTINGS_REGISTRY, key);
}

/**
 * Checks one (scope, key, value). `null` is a delete and is valid for every key the scope accepts.
 * The size limit (16 KiB of JSON) and the depth limit (LIMITS.maxJsonDepth) apply to every value, known or
 * custom, and are checked first by an iterative walk, before anything recursive (a typed schema, canonical
 * JSON, JSON.stringify, SQLite's JSON functions) sees the value: a hostile value is refused, never a crash.
 * The value passes through as it came (never rebuilt), so what is stored is exactly what was sent, keys named
 * `__proto__` included.
 */
export function validateSetting(scope: SettingScope, key: string, value: unknown): SettingValidation {
  if (typeof key !== 'string' || !SETTING_KEY_PATTERN.test(key)) {
    return { ok: false, code: 'SETTING_KEY_UNKNOWN', message: 'setting key must match ^[a-zA-Z0-9._:-]{1,128}$' };
  }
  const custom = key.startsWith(CUSTOM_SETTING_PREFIX) && key.length > CUSTOM_SETTING_PREFIX.length;
  if (!custom) {
    if (!isKnownSettingKey(key)) return { ok: false, code: 'SETTING_KEY_UNKNOWN', message: `unknown setting key: ${key}` };
    if (SETTINGS_REGISTRY[key].scope !== scope) {
      return { ok: false, code: 'SETTING_KEY_UNKNOWN', message: `setting ${key} is not a ${scope} setting` };
    }
  }
  if (value === null) return { ok: true, value: null };
  const shape = measureJson(value, { maxDepth: LIMITS.maxJsonDepth, maxBytes: LIMITS.maxSettingValueBytes });
  if (!shape.ok) {
    return { ok: false, code: shape.problem === 'too-large' ? 'SETTING_VALUE_TOO_LARGE' : 'SETTING_VALUE_INVALID', message: shape.message };
  }
  if (!custom) {
    // Registered schemas are flat (enums, booleans, bounded strings and numbers): safe on a checked value.
    const typed = SETTINGS_REGISTRY[key as KnownSettingKey].schema.safeParse(value);
    if (!typed.success) {
      return { ok: false, code: 'SETTING_VALUE_INVALID', message: typed.error.issues.map((i) => i.message).join('; ') };
    }
    return { ok: true, value: typed.data as JsonValue };
  }
  return { ok: true, value: value as JsonValue };
}
