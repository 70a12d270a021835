import { z } from 'zod';
import { hlcSchema } from '../clock/hlc-codec.js';
import { LIMITS } from '../limits.js';
import { settingSchema } from './entities.js';
import { jsonValueSchema, settingKeySchema, timeMsSchema } from './primitives.js';

/** A register as pushed by a client: key, value (null = delete) and the client's stamp. */
export const settingEntrySchema = z.object({
  key: settingKeySchema,
  value: jsonValueSchema.nullable(),
  hlc: hlcSchema,
});
export type SettingEntry = z.infer<typeof settingEntrySchema>;

/**
 * `PATCH /api/settings` body. Entries are checked one by one against settingEntrySchema and the registry so that
 * one bad entry is rejected alone while the rest apply; the envelope only bounds the count and the shape.
 */
export const settingsMergeRequestSchema = z.object({
  entries: z
    .array(z.object({ key: z.string().max(256), value: z.unknown(), hlc: z.string().max(64) }))
    .max(LIMITS.maxMergeEntries),
  cursor: z.string().min(1).max(512).optional(),
});
export type SettingsMergeRequest = z.infer<typeof settingsMergeRequestSchema>;

export const SETTING_RESULT_STATUSES = ['applied', 'stale', 'rejected'] as const;
export const settingMergeResultSchema = z.object({
  key: z.string(),
  status: z.enum(SETTING_RESULT_STATUSES),
  /** Why an entry was rejected (SETTING_*, VALIDATION_FAILED, CLOCK_DRIFT). */
  code: z.string().optional(),
  message: z.string().optional(),
  /** For stale entries: the register that beat it. */
  current: settingSchema.optional(),
});
export type SettingMergeResult = z.infer<typeof settingMergeResultSchema>;

export const settingsMergeResponseSchema = z.object({
  results: z.array(settingMergeResultSchema),
  /** Every entry changed since the request's cursor (all of them without one), the request's own included. */
  changes: z.array(settingSchema),
  cursor: z.string().min(1),
  /** More changes wait past `cursor` (the response is bounded); pull or merge again to get them. */
  hasMore: z.boolean(),
  serverHlc: hlcSchema,
  serverTime: timeMsSchema,
});
export type SettingsMergeResponse = z.infer<typeof settingsMergeResponseSchema>;

/** `PUT /api/settings/:key` body: plain clients send a value and the server stamps it. */
export const settingPutRequestSchema = z.object({ value: jsonValueSchema.nullable() });
