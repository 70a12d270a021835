import { z } from 'zod';
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
  lane: z.string().min(1),
  method: z.enum(OP_METHODS),
  path: z.string().startsWith('/api/'),
  body: jsonValueSchema.optional(),
  status: z.enum(OP_STATUSES),
  attempts: z.int().nonnegative(),
  nextAttemptAt: timeMsSchema,
  lastAttempt: timeMsSchema.nullable(),
  error: z
    .object({ code: z.string(), message: z.string(), statusCode: z.int().optional() })
    .nullable(),
  createdAt: timeMsSchema,
});
export type Op = z.infer<typeof opSchema>;
export type OpStatus = (typeof OP_STATUSES)[number];
export type OpMethod = (typeof OP_METHODS)[number];

