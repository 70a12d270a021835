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
  /**
   * What a local write's stamp was made on, so it can be moved onto the server's clock once the device learns
   * where that is (see ClientClock.rebaseStamp). Absent on rows from the server and on rows written before it was
   * recorded: such a stamp is pushed as it is, and re-stamped from the current time if refused.
   */
  readonly basis?: StampBasis;
  /**
   * A stamp of this key that may be on the server besides this dirty row's own, which the device's next write
   * of the key must stay above: the greatest register this row beat in a merge (the device has seen it), or this
   * row's own stamp before it was moved, if a push may have carried it. Not this row's floor: the row was written
   * before seeing the one, and the other is its own value.
   */
  readonly nextFloor?: string;
}

/** The clock a local settings write was stamped on, and what its stamp must stay above. Not indexed. */
export interface StampBasis {
  /** The offset (server time minus device time, ms) the clock ran on when it issued the stamp. */
  readonly offsetMs: number;
  /** Whether that offset had been measured from the server; a fresh install runs on an assumed 0. */
  readonly measured: boolean;
  /**
   * The greatest register of this key the device knew when it wrote, which the stamp must stay above: the
   * previous register if acknowledged or from the server, else that one's own floor and next floor, and
   * its stamp if it may have reached the server (a push began after it was written; its answer may be lost).
   */
  readonly floor: string | null;
  /** The settings push epoch when it was written (meta `settingsPushEpoch`): a push begun later may carry it. */
  readonly epoch: number;
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
