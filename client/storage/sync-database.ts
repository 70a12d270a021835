// The named export, not the default: under Node16 module resolution Dexie's default export types as the whole
// CommonJS module (its .d.ts is CJS), so `extends Dexie` in our declarations would not typecheck for such an app.
import { Dexie, type Table } from 'dexie';
import type {
  CounterRow,
  LocalOp,
  MetaRow,
  OrgMemberRow,
  OrgRow,
  PdfMetaRow,
  ProjectMemberRow,
  ProjectRow,
  SettingRow,
  ShadowRow,
  SyncStateRow,
} from './rows.js';
import { groupOf } from '../outbox/op-group.js';

/**
 * The per-user IndexedDB database. Versions are forward-only (the app has no legacy data): each version
 * lists only what changed, and an upgrade function fills new fields of existing rows.
 */
export class SyncDatabase extends Dexie {
  orgs!: Table<OrgRow, string>;
  orgMembers!: Table<OrgMemberRow, [string, string]>;
  projects!: Table<ProjectRow, string>;
  projectMembers!: Table<ProjectMemberRow, [string, string]>;
  settings!: Table<SettingRow, [string, string, string]>;
  pdfMeta!: Table<PdfMetaRow, string>;
  ops!: Table<LocalOp, string>;
  shadows!: Table<ShadowRow, string>;
  syncState!: Table<SyncStateRow, string>;
  counters!: Table<CounterRow, string>;
  meta!: Table<MetaRow, string>;

  constructor(name: string, options?: { indexedDB?: IDBFactory; IDBKeyRange?: typeof IDBKeyRange }) {
    super(name, options);
    this.version(1).stores({
      orgs: 'id',
      orgMembers: '[orgId+userId], orgId, userId',
      projects: 'id, orgId',
      projectMembers: '[projectId+userId], projectId, orgId, userId',
      settings: '[scope+scopeId+key], [scope+scopeId], dirty',
      pdfMeta: 'id, projectId, lastUsedAt',
      ops: 'id, order, lane, status, entity',
      shadows: 'entity',
      syncState: 'collection',
      counters: 'name',
      meta: 'key',
    });
    // v2: ops get an index for "ready to send" scans; existing ops without nextAttemptAt become due now.
    this.version(2)
      .stores({ ops: 'id, order, lane, status, entity, [status+nextAttemptAt]' })
      .upgrade((tx) =>
        tx
          .table('ops')
          .toCollection()
          .modify((op: { nextAttemptAt?: number }) => {
            if (typeof op.nextAttemptAt !== 'number') op.nextAttemptAt = 0;
          }),
      );
    // v3: a lane's head is the first of [lane+order], so finding due heads reads the due ops and one key per
    // lane instead of every op.
    this.version(3).stores({ ops: 'id, order, lane, status, entity, [status+nextAttemptAt], [lane+order]' });
    // v4, two changes in one upgrade:
    // - an op's order is its enqueue number, so the `enqueued` counter is derived from it and an enqueue writes
    //   neither an order row nor a counter (outbox-store.ts). Queued ops are renumbered by one shift (their
    //   relative order kept) so the last queued order equals the stored `enqueued` count, which becomes the
    //   floor, and the v1-v3 order row goes. Shadows of rows created offline (row null) stay valid: null is what
    //   a missing shadow means now;
    // - lanes of one org order each other (outbox/op-group.ts): each op records its org and whether it is
    //   exclusive in it, and a head finds what it waits for in [group+groupMode+order]. Queued ops get both from
    //   their lane and path.
    this.version(4)
      .stores({ ops: 'id, order, lane, status, entity, [status+nextAttemptAt], [lane+order], [group+groupMode+order]' })
      .upgrade(async (tx) => {
        const enqueued = ((await tx.table('counters').get('enqueued')) as CounterRow | undefined)?.value ?? 0;
        const order = ((await tx.table('meta').get('opOrder')) as MetaRow | undefined)?.value;
        const shift = enqueued - (typeof order === 'number' ? order : 0);
        await tx
          .table('ops')
          .toCollection()
          .modify((op: { order: number; lane?: string; path?: string; group?: string; groupMode?: string }) => {
            op.order += shift;
            const { group, groupMode } = groupOf({ lane: op.lane ?? '', path: op.path ?? '' });
            op.group = group;
            op.groupMode = groupMode;
          });
        await tx.table('meta').delete('opOrder');
      });
    // v5: ops lose the `lane` and `status` indexes, two of the seven index entries every op write keeps (issue 17
    // item 3). An index stays only while some query needs it and no compound one answers that query:
    // - `lane`: every lane query reads [lane+order] (a lane's head, a lane from an op on);
    // - `status`: every op is in [status+nextAttemptAt] (its nextAttemptAt is always a number: the op schema
    //   requires it, v2 gave one to older ops), so a status's ops are the range [s, minKey]..[s, maxKey] of it
    //   (opsWithStatus in ops-with-status.ts).
    // `order` (the queue in enqueue order, its last number) and `entity` (an entity's ops, an entity prefix) are
    // queried on their own and stay. Dropping an index needs no upgrade of the rows: IndexedDB deletes it.
    this.version(5).stores({ ops: 'id, order, entity, [status+nextAttemptAt], [lane+order], [group+groupMode+order]' });
    // v6: `order` becomes unique (&order), nothing else changes. An op's order is its enqueue number, so no two
    // ops may share one, and the enqueue relies on the index saying so: it tries the number after its
    // connection's hint without reading the queue, and a number another tab already gave is refused by the index
    // (outbox-store.ts, enqueueOp). Without the unique index a stale hint would store a duplicate silently.
    // No upgrade function renumbers the ops, because no stored database can hold two ops with one order: v1-v3
    // took each order from the meta counter read and raised in the enqueue's own readwrite transaction (never
    // cleared: clearCache keeps meta); v4 shifted every queued order by one amount; v4 and v5 write an op with
    // the highest order given + 1, read in the transaction that writes it (a hinted guess is overwritten by the
    // same op id when it was not that), and readwrite transactions on ops never interleave, across tabs too.
    // Every other op write puts an existing op back with its order. (A renumbering here could not help anyway:
    // Dexie deletes and recreates a changed index before the version's upgrade function runs, so duplicates
    // would abort the version change with a ConstraintError first.)
    this.version(6).stores({ ops: 'id, &order, entity, [status+nextAttemptAt], [lane+order], [group+groupMode+order]' });
  }
}

export const databaseName = (appName: string, userId: string) => `${appName}-${userId}`;
