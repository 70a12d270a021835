import type { Op, OrgMember, Project, ProjectMember, SettingScope } from '../../shared/index.js';
import type { JsonValue } from '../../shared/index.js';

/** An org as cached: the wire row (role included). */
export type { Org as OrgRow } from '../../shared/index.js';
export type OrgMemberRow = OrgMember;
export type ProjectRow = Project;
export type ProjectMemberRow = ProjectMember;
export type { PdfMeta as PdfMetaRow } from '../../shared/index.js';

/** The tables that hold synced entities, and the key of each row. */
export type EntityTable = 'orgs' | 'orgMembers' | 'projects' | 'projectMembers';

/**
 * What an op does to the local cache, so it can be applied optimistically, re-applied over fresh server rows,
 * and rolled back by recomputing without it.
 */
export type OpEffect =
  | { readonly kind: 'put'; readonly table: EntityTable; readonly row: Record<string, unknown> }
  | { readonly kind: 'patch'; readonly table: EntityTable; readonly key: EntityKey; readonly patch: Record<string, unknown> }
  | { readonly kind: 'delete'; readonly table: EntityTable; readonly key: EntityKey }
  /** An op whose result cannot be predicted locally (e.g. adding a member by email): nothing until it lands. */
  | { readonly kind: 'none'; readonly table: EntityTable; readonly key: EntityKey };

export type EntityKey = string | readonly [string, string];

/** A queued op as stored locally: the wire op plus what it does to the cache and which row it touches. */
export interface LocalOp extends Op {
  readonly effect: OpEffect;
  /** `${table}:${key}`: the row whose server state is shadowed while ops on it are pending. */
  readonly entity: string;
  /** Monotonic per database: the replay order within a lane (createdAt can tie). */
  readonly order: number;
  /** What the op does in plain words, written when it was queued ("Rename project 'A' to 'B'"), for the UI. */
  readonly summary?: string;
  /**
   * The org whose memberships the op depends on, and whether it waits for every earlier live op of it
   * (`exclusive`: org member ops) or only for the exclusive ones (`shared`: project lanes): see op-group.ts.
   * Optional only in the type: enqueueOp records both, the v4 upgrade filled them into older ops.
   */
  readonly group?: string;
  readonly groupMode?: 'shared' | 'exclusive';
  /** Consecutive sends that got no answer at all (offline): they grow the wait, never the attempt count. */
  readonly offlineWaits?: number;
  /**
   * Set when the op's scope was purged (access lost): its effect is no longer shown, on any row, ever; the op
   * still goes to the server for its verdict (it fails with 404, or lands if access came back).
   */
  readonly scopeLost?: true;
}

/**
 * The server's version of a row that has pending ops on it (null: the server has no such row). The visible
 * row is always this plus the pending ops, so a failed op rolls back by recomputing without it.
 */
export interface ShadowRow {
  readonly entity: string;
  readonly table: EntityTable;
  readonly key: EntityKey;
  readonly row: Record<string, unknown> | null;
  /**
   * The version of the server state the shadow holds, alive row or tombstone (a tombstone's row is null, so
   * this is the only place its version survives). An answer older than it never replaces it: see completeOp.
   */
  readonly version?: number;
}

/** A settings register as cached. `dirty` = 1 while a local write is not yet acknowledged by the server. */
export interface SettingRow {
  readonly scope: SettingScope;
  readonly scopeId: string;
  readonly key: string;
  readonly value: JsonValue | null;
  readonly hlc: string;
  readonly updatedAt: number;
  readonly dirty: 0 | 1;
}

/** Per collection: where its pull resumes and when it last completed (server time). */
export interface SyncStateRow {
  readonly collection: string;
  readonly cursor: string | null;
  readonly lastSyncedAt: number | null;
  readonly lastError: { code: string; message: string } | null;
  /**
   * The org's change head for this collection when it was last pulled to the end (see pull-plan.ts): while the
   * org's head still says this, nothing in the collection changed and its pull is skipped.
   */
  readonly head?: number;
}

export interface CounterRow {
  readonly name: string;
  readonly value: number;
}

export interface MetaRow {
  readonly key: string;
  readonly value: unknown;
}
