import { z } from 'zod';
import { LIMITS } from '../limits.js';
import { timeMsSchema } from './primitives.js';
import { orgItemSchema, orgMemberItemSchema, projectItemSchema, projectMemberItemSchema, settingSchema } from './entities.js';

/** Query of every page route: `?cursor=&limit=`. The cursor is opaque to clients. */
export const pageQuerySchema = z.object({
  cursor: z.string().min(1).max(512).optional(),
  limit: z.coerce.number().int().min(LIMITS.minPageLimit).max(LIMITS.maxPageLimit).default(LIMITS.defaultPageLimit),
});
export type PageQuery = z.infer<typeof pageQuerySchema>;

/** `{ items, nextCursor, hasMore, serverTime }`; nextCursor is always present (resume from it next time). */
export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    nextCursor: z.string().min(1),
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
