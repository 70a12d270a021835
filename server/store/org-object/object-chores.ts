import { LIMITS } from '../../../shared/limits.js';
import { log as jsonLines, type LogSink } from '../../http/log.js';
import { purgeExpired } from '../../scheduled/purge.js';
import { objectSpace } from '../../sync/cursor-space.js';
import { DELIVERY_DELAY_MS, deliverDirectory, deliveryPending } from './directory-outbox.js';
import { objectSqlStore } from './object-sql-store.js';
import { heldOrgOf, objectSeq } from './object-state.js';

/** How often an org's object purges its expired idempotency records and old tombstones (D1's cron is daily too). */
export const PURGE_INTERVAL_MS = 24 * 60 * 60 * 1000;

/** Where the next purge's time is kept (the object's key-value storage: it survives restarts, needs no table). */
const NEXT_PURGE_KEY = 'nextPurgeAt';

export interface ObjectChoresOptions {
  readonly storage: DurableObjectStorage;
  /** The D1 database the directory lives in; undefined: deliveries fail (and stay queued) until it is bound. */
  readonly directory: () => D1Database | undefined;
  /** Tells the org's sockets the org list moved (after a delivery of heads). */
  readonly poke: (orgId: string, seq: number) => void;
  readonly now?: () => number;
  readonly log?: LogSink;
}

/**
 * The background work of an org's object, on its one alarm:
 *
 *   write ──queues a delivery──▶ alarm in DELIVERY_DELAY_MS (or now: deliverNow) ──▶ delivered, sockets poked
 *   every PURGE_INTERVAL_MS ──▶ purge (expired idempotency records, tombstones past retention: the D1 cron's
 *   rules on the object's own tables, which raise its purged_seq)
 *
 * An initialized object always has its alarm set: for the next delivery when one is queued, else for the next
 * purge. An alarm that throws (D1 down) is retried by the runtime; the constructor re-arms one lost to a crash
 * between a commit and its setAlarm. One delivery runs at a time per object.
 */
export class ObjectChores {
  private readonly storage: DurableObjectStorage;
  private readonly now: () => number;
  private readonly log: LogSink;
  /** When this instance knows the alarm fires by (saves a storage read per write); null: unknown. */
  private alarmBy: number | null = null;
  private delivering: Promise<unknown> | undefined;

  constructor(private readonly options: ObjectChoresOptions) {
    this.storage = options.storage;
    this.now = options.now ?? Date.now;
    this.log = options.log ?? jsonLines;
  }

  /** At start (the constructor): an object holding an org gets its alarm back if it has none. */
  async rearm(): Promise<void> {
    if (heldOrgOf(this.storage) === null) return;
    if ((await this.storage.getAlarm()) === null) await this.armBy(await this.nextDue());
  }

  /**
   * After a committed write: its queued delivery is made now when `deliverNow` (awaited; a failure is logged
   * and left to the alarm, never failing the write), else the alarm is brought to within DELIVERY_DELAY_MS.
   */
  async afterWrite(orgId: string, deliverNow: boolean): Promise<void> {
    if (!deliveryPending(this.storage)) return this.ensureArmed();
    if (deliverNow) {
      try {
        await this.deliver(orgId);
        return this.ensureArmed();
      } catch (error) {
        this.log({ level: 'warn', msg: 'directory delivery failed: the alarm retries', orgId, error: (error as Error).message });
      }
    }
    await this.armBy(this.now() + DELIVERY_DELAY_MS);
  }

  /** The alarm: the queued delivery (then the sockets are poked), the purge when due, then the next alarm. */
  async alarm(): Promise<void> {
    this.alarmBy = null;
    const held = heldOrgOf(this.storage);
    if (held === null) return;
    const { orgId } = held;
    if (deliveryPending(this.storage)) {
      await this.deliver(orgId);
      // The org list now shows the moved heads: the poke of every write this delivery carried (a write inside
      // the org waits for it, so the pull it prompts finds the moved heads).
      this.options.poke(orgId, objectSeq(this.storage));
    }
    const now = this.now();
    if (now >= ((await this.storage.get<number>(NEXT_PURGE_KEY)) ?? 0)) {
      const purged = await purgeExpired(objectSqlStore(this.storage, objectSpace(held.spaceId)), now);
      await this.storage.put(NEXT_PURGE_KEY, now + PURGE_INTERVAL_MS);
      if (purged.idempotency + purged.tombstones > 0) this.log({ msg: 'org object purge', orgId, ...purged });
    }
    await this.armBy(await this.nextDue());
  }

  /** One delivery at a time: a second caller waits for the running one, then delivers what is left. */
  async deliver(orgId: string): Promise<void> {
    while (this.delivering) await this.delivering.catch(() => undefined);
    const d1 = this.options.directory();
    if (!d1) throw new Error('no D1 database for the directory (org-objects storage needs it bound as DB)');
    const run = deliverDirectory(this.storage, d1, orgId);
    this.delivering = run;
    try {
      await run;
    } finally {
      this.delivering = undefined;
    }
  }

  private async nextDue(): Promise<number> {
    if (deliveryPending(this.storage)) return this.now();
    // A new object purges first a retention window after it started (nothing can have expired before).
    return (await this.storage.get<number>(NEXT_PURGE_KEY)) ?? this.now() + Math.min(PURGE_INTERVAL_MS, LIMITS.idempotencyTtlMs);
  }

  private async ensureArmed(): Promise<void> {
    if (this.alarmBy !== null) return;
    await this.armBy(await this.nextDue());
  }

  /** Makes the alarm fire by `at`: an earlier one stands. */
  private async armBy(at: number): Promise<void> {
    if (this.alarmBy !== null && this.alarmBy <= at) return;
    const current = await this.storage.getAlarm();
    if (current !== null && current <= at) {
      this.alarmBy = current;
      return;
    }
    await this.storage.setAlarm(at);
    this.alarmBy = at;
  }
}
