/** Protocol limits (DESIGN section 4), enforced by zod on both sides. */
export const LIMITS = {
  /** Request body, bytes. */
  maxBodyBytes: 1024 * 1024,
  /** A setting value as JSON text, UTF-8 bytes. */
  maxSettingValueBytes: 16 * 1024,
  /**
   * Containers (arrays, objects) a JSON value on the wire may nest: `[[1]]` is 2 deep. Checked by an iterative
   * walk before anything recursive touches the value (zod's recursive schemas, JSON.stringify and canonical
   * JSON overflow the stack at a few thousand levels, and SQLite's JSON functions refuse more than 1,000).
   */
  maxJsonDepth: 64,
  /** Entries in one settings merge request. */
  maxMergeEntries: 500,
  /**
   * A merge response is stored whole for idempotent replay in one D1 row (2,000,000 bytes at most), so its
   * variable parts have UTF-8 byte budgets: `changes` (past it: `hasMore`) and the `current` registers of stale
   * results (past it: stale results come without `current`). With the 500 results themselves (at most ~1.7 KB
   * each) the whole stays under 1.6 MB.
   */
  maxMergeChangesBytes: 512 * 1024,
  maxMergeCurrentBytes: 256 * 1024,
  /** Page size bounds and default. */
  minPageLimit: 1,
  maxPageLimit: 1000,
  defaultPageLimit: 200,
  maxNameLength: 255,
  /** An email address (RFC 5321's 256-octet path minus its angle brackets). */
  maxEmailLength: 254,
  maxDescriptionLength: 2000,
  /** Tombstones (and cursors that could still need them) live this long. */
  tombstoneRetentionMs: 30 * 24 * 60 * 60 * 1000,
  /** Idempotency records expire after this long. */
  idempotencyTtlMs: 24 * 60 * 60 * 1000,
} as const;

export const SETTING_KEY_PATTERN = /^[a-zA-Z0-9._:-]{1,128}$/;
