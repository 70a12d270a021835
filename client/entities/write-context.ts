import type { ZodType, z } from 'zod';
import { ClientValidationError } from '../errors.js';
import { enqueueOp, type NewOp } from '../outbox/outbox-store.js';
import type { SyncDatabase } from '../storage/sync-database.js';

/** What every write API needs: the database, who writes, ids and time, and a nudge for the replay loop. */
export interface WriteContext {
  readonly db: SyncDatabase;
  readonly userId: string;
  readonly now: () => number;
  readonly newId: () => string;
  /** Asks the scheduler to replay soon (no-op when this tab does not sync). */
  readonly kick: () => void;
}

/** Validates with the same schema the server uses, so bad input fails here, typed, before it is queued. */
export function validated<S extends ZodType>(schema: S, input: unknown): z.infer<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new ClientValidationError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  return parsed.data;
}

/** Queues one write (optimistic effect + op, one transaction) as the context's user, then nudges replay. */
export async function enqueueWrite(ctx: WriteContext, op: Omit<NewOp, 'userId'>): Promise<void> {
  await enqueueOp(ctx.db, { ...op, userId: ctx.userId }, ctx.newId(), ctx.now());
  ctx.kick();
}
