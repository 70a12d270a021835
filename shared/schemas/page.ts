import * as z from 'zod/mini';
import { LIMITS } from '../limits.js';
import { timeMsSchema } from './primitives.js';
import { orgItemSchema, orgMemberItemSchema, projectItemSchema, projectMemberItemSchema, settingSchema } from './entities.js';

/** Query of every page route: `?cursor=&limit=`. The cursor is opaque to clients. */
export const pageQuerySchema = z.object({
  cursor: z.optional(z.string().check(z.minLength(1), z.maxLength(512))),
  limit: z._default(z.coerce.number().check(z.int(), z.minimum(LIMITS.minPageLimit), z.maximum(LIMITS.maxPageLimit)), LIMITS.defaultPageLimit),
});
export type PageQuery = z.infer<typeof pageQuerySchema>;

/** `{ items, nextCursor, hasMore, serverTime }`; nextCursor is always present (resume from it next time). */
export function pageSchema<T extends z.ZodMiniType>(item: T) {
  return z.object({
    items: z.array(item),
    nextCursor: z.string().check(z.minLength(1)),
    hasMore: z.boolean(),
    serverTime: timeMsSchema,
  });
}
export interface Page<T> {
  items: T[];
  nextCursor: string;
  hasMore: boolean;
  serverTime: number;
}

export const orgPageSchema = pageSchema(orgItemSchema);
export const orgMemberPageSchema = pageSchema(orgMemberItemSchema);
export const projectPageSchema = pageSchema(projectItemSchema);
export const projectMemberPageSchema = pageSchema(projectMemberItemSchema);
export const settingPageSchema = pageSchema(settingSchema);
