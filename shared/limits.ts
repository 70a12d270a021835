/** Protocol limits (DESIGN section 4), enforced by zod on both sides. */
export const LIMITS = {
  /** Request body, bytes. */
  maxBodyBytes: 1024 * 1024,
  /** A setting value as JSON text, UTF-8 bytes. */
  maxSettingValueBytes: 16 * 1024,
  /** Entries in one settings merge request. */
  maxMergeEntries: 500,
  /** Page size bounds and default. */
  minPageLimit: 1,
  maxPageLimit: 1000,
  defaultPageLimit: 200,
  maxNameLength: 255,
  maxDescriptionLength: 2000,
  /** Tombstones (and cursors that could still need them) live this long. */
  tombstoneRetentionMs: 30 * 24 * 60 * 60 * 1000,
  /** Idempotency records expire after this long. */
  idempotencyTtlMs: 24 * 60 * 60 * 1000,
} as const;

export const SETTING_KEY_PATTERN = /^[a-zA-Z0-9._:-]{1,128}$/;
