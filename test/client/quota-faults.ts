import { IDBObjectStore } from 'fake-indexeddb';

/**
 * A full disk for fake-indexeddb, as a browser reports it: a write request (put or add, which is every Dexie
 * write: put, add, bulkPut, modify, update) fails with a DOMException named 'QuotaExceededError', the request
 * fires its error event and, unless a handler prevents it, the transaction aborts and rolls back.
 *
 * Faults are rules: which database, which object store, optionally which value, and how many writes to fail
 * (a count, or until `spaceBack()`). Deletes and reads never fail: freeing space works on a full disk.
 *
 *   const quota = installQuotaFaults();
 *   quota.fail({ database: engine.db.name, store: 'syncState' });   // the disk is full for that store
 *   ...
 *   quota.spaceBack();                                             // space is back
 *   quota.uninstall();                                             // in afterEach
 */
export interface QuotaRule {
  /** IndexedDB database name (engine.db.name); any database when absent. */
  readonly database?: string;
  /** Object store (Dexie table) name; every store of the database when absent. */
  readonly store?: string;
  /** Only writes of values this accepts fail (e.g. the syncState row of one collection). */
  readonly when?: (value: unknown) => boolean;
  /** Matching writes let through before the first refusal (the chosen moment: e.g. the second page). */
  readonly after?: number;
  /** How many matching writes fail before the rule lapses (default: every one until spaceBack()). */
  readonly times?: number;
}

export interface QuotaHit {
  readonly database: string;
  readonly store: string;
  readonly value: unknown;
}

export interface QuotaFaults {
  /** Adds a rule; matching writes fail from now on. */
  fail(rule: QuotaRule): void;
  /** Every rule dropped: writes succeed again. */
  spaceBack(): void;
  /** Every write that was refused, in order. */
  readonly hits: readonly QuotaHit[];
  /** Restores fake-indexeddb's own put and add. */
  uninstall(): void;
}

/** The error a browser's IndexedDB raises when the origin's quota is used up. */
export const quotaError = () => new DOMException('The quota has been exceeded.', 'QuotaExceededError');

type WriteFn = (this: IDBObjectStore, value: unknown, key?: IDBValidKey) => IDBRequest;

/** fake-indexeddb queues every request through this (internal) method; a throwing operation fails the request. */
interface FakeTransaction {
  _execRequestAsync(request: { operation: () => unknown; source: unknown }): IDBRequest;
}

export function installQuotaFaults(): QuotaFaults {
  const proto = IDBObjectStore.prototype as unknown as Record<'put' | 'add', WriteFn>;
  const original = { put: proto.put, add: proto.add };
  const rules: { rule: QuotaRule; skip: number; left: number }[] = [];
  const hits: QuotaHit[] = [];

  const matching = (store: IDBObjectStore, value: unknown) =>
    rules.find(
      ({ rule, left }) =>
        left > 0 &&
        (rule.database === undefined || rule.database === store.transaction.db.name) &&
        (rule.store === undefined || rule.store === store.name) &&
        (rule.when === undefined || rule.when(value)),
    );

  const wrap = (name: 'put' | 'add'): WriteFn =>
    function (this: IDBObjectStore, value: unknown, key?: IDBValidKey) {
      const hit = matching(this, value);
      if (!hit) return key === undefined ? original[name].call(this, value) : original[name].call(this, value, key);
      if (hit.skip > 0) {
        hit.skip--;
        return key === undefined ? original[name].call(this, value) : original[name].call(this, value, key);
      }
      hit.left--;
      hits.push({ database: this.transaction.db.name, store: this.name, value });
      // Fails when the request runs, as a browser's does: the error event, then the transaction's abort.
      return (this.transaction as unknown as FakeTransaction)._execRequestAsync({
        operation: () => {
          throw quotaError();
        },
        source: this,
      });
    };

  proto.put = wrap('put');
  proto.add = wrap('add');
  return {
    fail(rule) {
      rules.push({ rule, skip: rule.after ?? 0, left: rule.times ?? Number.POSITIVE_INFINITY });
    },
    spaceBack() {
      rules.length = 0;
    },
    hits,
    uninstall() {
      rules.length = 0;
      proto.put = original.put;
      proto.add = original.add;
    },
  };
}
