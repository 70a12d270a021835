import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * The spike object's tiny schema (test/server/org-object-storage.test.ts), on the same drizzle `sqlite-core`
 * tables the real org object will use: `items` (with an index, so `rowsWritten` counts more than rows),
 * `item_notes` (a foreign key, to see whether DO SQLite enforces it) and `meta`, the one-row sequence the
 * migration seeds (like sync_meta).
 */
export const items = sqliteTable(
  'items',
  {
    id: text('id').primaryKey(),
    /** The write that inserted the row: a durability write inserts two rows with one batch value. */
    batch: text('batch').notNull(),
    n: integer('n').notNull().default(0),
  },
  (t) => [index('items_batch').on(t.batch)],
);

export const itemNotes = sqliteTable('item_notes', {
  id: integer('id').primaryKey(),
  itemId: text('item_id')
    .notNull()
    .references(() => items.id),
  body: text('body').notNull(),
});

export const meta = sqliteTable('meta', {
  id: integer('id').primaryKey(),
  seq: integer('seq').notNull(),
});
