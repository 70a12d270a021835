import * as z from 'zod/mini';
import { idSchema, jsonValueSchema, timeMsSchema, userIdSchema } from './primitives.js';

export const OP_STATUSES = ['pending', 'syncing', 'applied', 'failed'] as const;
export const OP_METHODS = ['POST', 'PATCH', 'PUT', 'DELETE'] as const;

/**
 * One queued offline mutation. Its id is the Idempotency-Key of every attempt, so a replay after a lost
 * response can never apply twice; `lane` (the entity key) orders ops that touch the same thing.
 */
export const opSchema = z.object({
  id: idSchema,
  userId: userIdSchema,
  lane: z.string().check(z.minLength(1)),
  method: z.enum(OP_METHODS),
  /** Canonical (`/api/…`): a client maps it to its server's real route only when it sends the op. */
  path: z.string().check(z.startsWith('/api/')),
  body: z.optional(jsonValueSchema),
  status: z.enum(OP_STATUSES),
  attempts: z.int().check(z.nonnegative()),
  nextAttemptAt: timeMsSchema,
  lastAttempt: z.nullable(timeMsSchema),
  error: z.nullable(z.object({ code: z.string(), message: z.string(), statusCode: z.optional(z.int()) })),
  createdAt: timeMsSchema,
});
export type Op = z.infer<typeof opSchema>;
export type OpStatus = (typeof OP_STATUSES)[number];
export type OpMethod = (typeof OP_METHODS)[number];

