/**
 * The sequence space a seq belongs to: seqs from two spaces never compare (each counts on its own), so a cursor
 * names the space that issued it and a store answers 410 CURSOR_EXPIRED to one from another space (the client
 * resyncs that collection from scratch, never reads a position that means nothing here).
 * - `d1`: the D1 database's one change sequence (`sync_meta.seq`). Cursors from before spaces existed carry none
 *   and are `d1`.
 * - `o:<spaceId>`: an org object's own sequence; its spaceId is chosen when the object is initialized (created,
 *   or moved to) and changes when its sequence could rewind (a restore), which voids every older cursor.
 */
export type CursorSpace = 'd1' | ObjectSpace;

/** An org object's space: `o:` and the object's spaceId. */
export type ObjectSpace = `o:${string}`;

/** The space a cursor without `p` belongs to, and the D1 store's. */
export const D1_SPACE = 'd1' satisfies CursorSpace;

/** An object space's id: what `o:` is followed by (a UUID, in practice), short enough for the cursor's 512 chars. */
const OBJECT_SPACE = /^o:[A-Za-z0-9_-]{1,64}$/;

/** Whether `value` names a space (as a cursor's `p` must); anything else in `p` is a cursor this server never issued. */
export function isCursorSpace(value: unknown): value is CursorSpace {
  return value === D1_SPACE || (typeof value === 'string' && OBJECT_SPACE.test(value));
}

/** The space of an org object whose spaceId is `spaceId`; throws for an id no cursor could carry (a bug: ids are generated). */
export function objectSpace(spaceId: string): ObjectSpace {
  const space = `o:${spaceId}` as const;
  if (!OBJECT_SPACE.test(space)) throw new RangeError(`not a space id: ${JSON.stringify(spaceId)}`);
  return space;
}
