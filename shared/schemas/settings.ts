import * as z from 'zod/mini';
import { hlcSchema } from '../clock/hlc-codec.js';
import { LIMITS } from '../limits.js';
import { settingSchema } from './entities.js';
import { jsonValueSchema, settingKeySchema, timeMsSchema } from './primitives.js';

/** A register as pushed by a client: key, value (null = delete) and the client's stamp. */
export const settingEntrySchema = z.object({
  key: settingKeySchema,
  value: z.nullable(jsonValueSchema),
  hlc: hlcSchema,
});
export type SettingEntry = z.infer<typeof settingEntrySchema>;

/**
 * `PATCH /api/settings` body. Entries are checked one by one (key and stamp by settingEntrySchema, the value by
 * the registry alone) so that one bad entry is rejected alone while the rest apply; the envelope bounds the
 * count and the shape, and refuses a request that names a key twice (VALIDATION_FAILED, nothing applied): a
 * client holds one register per key, so a duplicate is a bug or an attack, and refusing it keeps one result
 * per entry AND per key, which bounds the results (and their `current`s) by the distinct keys.
 */
export const settingsMergeRequestSchema = z.object({
  entries: z.array(z.object({ key: z.string().check(z.maxLength(256)), value: z.unknown(), hlc: z.string().check(z.maxLength(64)) })).check(
    z.maxLength(LIMITS.maxMergeEntries),
    z.superRefine((entries, ctx) => {
      const seen = new Set<string>();
      for (const [i, entry] of entries.entries()) {
        if (seen.has(entry.key)) {
          ctx.addIssue({ code: 'custom', path: [i, 'key'], message: 'a merge names each key at most once' });
          return;
        }
        seen.add(entry.key);
      }
    }),
  ),
  cursor: z.optional(z.string().check(z.minLength(1), z.maxLength(512))),
});
export type SettingsMergeRequest = z.infer<typeof settingsMergeRequestSchema>;

export const SETTING_RESULT_STATUSES = ['applied', 'stale', 'rejected'] as const;
export const settingMergeResultSchema = z.object({
  key: z.string(),
  status: z.enum(SETTING_RESULT_STATUSES),
  /** Why an entry was rejected (SETTING_*, VALIDATION_FAILED, CLOCK_DRIFT). */
  code: z.optional(z.string()),
  message: z.optional(z.string()),
  /**
   * For stale entries: the register that beat it, while the response's budget for them lasts
   * (LIMITS.maxMergeCurrentBytes, in request order). Past it a stale result comes without `current`. Either
   * way the entry lost for good (a client stops pushing it); the winner is newer than the client's cursor
   * unless the client already has it, so it arrives in `changes`, or in a later pull when `hasMore`.
   */
  current: z.optional(settingSchema),
});
export type SettingMergeResult = z.infer<typeof settingMergeResultSchema>;

export const settingsMergeResponseSchema = z.object({
  results: z.array(settingMergeResultSchema),
  /**
   * Every register changed since the request's cursor (every register of the scope without one), bounded by
   * LIMITS.maxPageLimit and LIMITS.maxMergeChangesBytes (then `hasMore`). Read before this request's own
   * writes: those are not here (the client sent them; `applied` says they stand) and come past `cursor`.
   */
  changes: z.array(settingSchema),
  cursor: z.string().check(z.minLength(1)),
  /** More changes wait past `cursor` (the response is bounded); pull or merge again to get them. */
  hasMore: z.boolean(),
  serverHlc: hlcSchema,
  serverTime: timeMsSchema,
});
export type SettingsMergeResponse = z.infer<typeof settingsMergeResponseSchema>;

/** `PUT /api/settings/:key` body: plain clients send a value and the server stamps it. */
export const settingPutRequestSchema = z.object({ value: z.nullable(jsonValueSchema) });
