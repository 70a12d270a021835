import type * as z from 'zod/mini';
import { ClientValidationError, type StorageFullError } from '../errors.js';
import { enqueueOp, type NewOp } from '../outbox/outbox-store.js';
import { guardStorage } from '../storage/storage-full.js';
import type { SyncDatabase } from '../storage/sync-database.js';

/** What every write API needs: the database, who writes, ids and time, and a nudge for the replay loop. */
export interface WriteContext {
  readonly db: SyncDatabase;
  readonly userId: string;
  readonly now: () => number;
  readonly newId: () => string;
  /** Asks the scheduler to replay soon (no-op when this tab does not sync). */
  readonly kick: () => void;
  /** Told when a write was refused for lack of storage (the engine's status shows it). */
  readonly storageFull?: (error: StorageFullError) => void;
}

/**
 * zod/mini carries no locale (its English messages would cost every app a kilobyte), and a library must not set
 * the host app's global zod config: a message the schema sets is kept, otherwise the rule is named from the
 * issue's own code and bound ("too_big (255)").
 */
function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.message !== 'Invalid input') return issue.message;
  const bound = 'maximum' in issue ? issue.maximum : 'minimum' in issue ? issue.minimum : 'format' in issue ? issue.format : undefined;
  return bound === undefined ? issue.code : `${issue.code} (${String(bound)})`;
}

/** Validates with the same schema the server uses, so bad input fails here, typed, before it is queued. */
export function validated<S extends z.ZodMiniType>(schema: S, input: unknown): z.infer<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new ClientValidationError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${describeIssue(i)}`).join('; '));
  return parsed.data;
}

/**
 * Queues one write (optimistic effect + op, one transaction) as the context's user, then nudges replay. A full
 * disk rolls the whole transaction back (no op without its row, no row without its op) and throws
 * StorageFullError. `newKey`: the put's key came from ctx.newId for this write, so no row has it (enqueueOp).
 */
export async function enqueueWrite(ctx: WriteContext, op: Omit<NewOp, 'userId'>, newKey = false): Promise<void> {
  await guardStorage(() => enqueueOp(ctx.db, { ...op, userId: ctx.userId }, ctx.newId(), ctx.now(), newKey), ctx.storageFull);
  ctx.kick();
}
