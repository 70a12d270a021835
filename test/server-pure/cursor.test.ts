import { describe, expect, it } from 'vitest';
import { LIMITS } from '../../shared/index.js';
import { HttpError } from '../../server/http/http-error.js';
import { decodeCursor, encodeCursor } from '../../server/sync/cursor.js';
import { isCursorSpace, type CursorSpace } from '../../server/sync/cursor-space.js';
import { toPage } from '../../server/sync/page.js';

const NOW = 1_800_000_000_000;
const TAG = 'projects:0b7c8a52-3f39-4c36-9d0a-2f1e6f0c9a11';
const HORIZON = { purgedSeq: 0, now: NOW };
const OBJECT: CursorSpace = 'o:9a3f6c1e-5b7d-4e21-8c44-0d2b7e9f1a36';
const OTHER_OBJECT: CursorSpace = 'o:2c1d7e8f-0a4b-4c3d-9e5f-6a7b8c9d0e1f';

const toBase64Url = (text: string) =>
  btoa(String.fromCharCode(...new TextEncoder().encode(text)))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
const payloadOf = (cursor: string) =>
  JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(cursor.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0)))) as Record<string, unknown>;
/** A cursor as a client could send it: any JSON, base64url. */
const craft = (payload: Record<string, unknown>) => toBase64Url(JSON.stringify(payload));
const d1Payload = { v: 1, t: TAG, s: 42, k: 'abc', i: NOW - 1000, e: 50 };

/** The error decodeCursor throws, as code and status (what the client acts on). */
function failure(decode: () => unknown): { code: string; status: number; message: string } | 'decoded' {
  try {
    decode();
    return 'decoded';
  } catch (error) {
    if (!(error instanceof HttpError)) throw error;
    return { code: error.code, status: error.status, message: error.message };
  }
}

describe('cursor sequence spaces', () => {
  it('a d1 cursor carries no `p`: the same bytes as before spaces existed', () => {
    const cursor = encodeCursor(TAG, { seq: 42, key: 'abc' }, NOW - 1000, 50);
    expect(payloadOf(cursor)).toEqual(d1Payload);
    expect(cursor).toBe(craft(d1Payload));
    expect(encodeCursor(TAG, { seq: 42, key: 'abc' }, NOW - 1000, 50, 'd1')).toBe(cursor);
  });

  it('old cursors without `p` decode as d1, with and without an epoch', () => {
    expect(decodeCursor(craft(d1Payload), TAG, HORIZON)).toEqual({ seq: 42, key: 'abc', epoch: 50 });
    expect(decodeCursor(craft(d1Payload), TAG, HORIZON, 'd1')).toEqual({ seq: 42, key: 'abc', epoch: 50 });
    const { e: _epoch, ...withoutEpoch } = d1Payload;
    expect(decodeCursor(craft(withoutEpoch), TAG, HORIZON, 'd1')).toEqual({ seq: 42, key: 'abc', epoch: 42 });
    // Written out explicitly, `p: 'd1'` means what its absence means.
    expect(decodeCursor(craft({ ...d1Payload, p: 'd1' }), TAG, HORIZON, 'd1')).toEqual({ seq: 42, key: 'abc', epoch: 50 });
  });

  it('an object space round-trips in its own space', () => {
    const cursor = encodeCursor(TAG, { seq: 7, key: 'k' }, NOW, 9, OBJECT);
    expect(payloadOf(cursor)).toMatchObject({ p: OBJECT });
    expect(decodeCursor(cursor, TAG, HORIZON, OBJECT)).toEqual({ seq: 7, key: 'k', epoch: 9 });
  });

  it('a cursor from another space is 410 CURSOR_EXPIRED, both ways and between objects', () => {
    const d1Cursor = encodeCursor(TAG, { seq: 42, key: 'abc' }, NOW, 50);
    const objectCursor = encodeCursor(TAG, { seq: 42, key: 'abc' }, NOW, 50, OBJECT);
    for (const [cursor, space] of [
      [d1Cursor, OBJECT],
      [craft(d1Payload), OBJECT],
      [objectCursor, 'd1'],
      [objectCursor, OTHER_OBJECT],
    ] as const) {
      expect(failure(() => decodeCursor(cursor, TAG, HORIZON, space))).toEqual({ code: 'CURSOR_EXPIRED', status: 410, message: expect.stringContaining('storage space') });
    }
    // Not only a position that would be out of range: seq 0, the start, is refused too.
    expect(failure(() => decodeCursor(encodeCursor(TAG, { seq: 0, key: '' }, NOW, 0), TAG, HORIZON, OBJECT))).toMatchObject({ status: 410 });
  });

  it('a tampered `p` that names no space is 400 CURSOR_INVALID; one that names another space is 410', () => {
    for (const p of [null, 0, 1, true, {}, [], '', 'D1', 'd2', 'o:', 'o', 'x:abc', 'o:has space', 'o:ünïcode', `o:${'a'.repeat(65)}`, ` ${OBJECT}`]) {
      expect(failure(() => decodeCursor(craft({ ...d1Payload, p }), TAG, HORIZON, 'd1')), JSON.stringify(p)).toEqual({
        code: 'CURSOR_INVALID',
        status: 400,
        message: 'cursor is not one this server issued',
      });
    }
    // Cursors are not signed: a well-formed space edited in reads as that space's cursor, and costs a resync.
    expect(failure(() => decodeCursor(craft({ ...d1Payload, p: OTHER_OBJECT }), TAG, HORIZON, 'd1'))).toMatchObject({ code: 'CURSOR_EXPIRED', status: 410 });
    expect(failure(() => decodeCursor(craft({ ...d1Payload, p: 'd1' }), TAG, HORIZON, OBJECT))).toMatchObject({ code: 'CURSOR_EXPIRED', status: 410 });
  });

  it('checks in order: shape, then collection (400), then space, then the tombstone horizon (410)', () => {
    const otherTag = craft({ ...d1Payload, t: 'projects:elsewhere', p: OBJECT });
    expect(failure(() => decodeCursor(otherTag, TAG, HORIZON, 'd1'))).toEqual({ code: 'CURSOR_INVALID', status: 400, message: 'cursor belongs to another collection' });
    const badShape = craft({ ...d1Payload, s: -1, p: OBJECT });
    expect(failure(() => decodeCursor(badShape, TAG, HORIZON, 'd1'))).toMatchObject({ code: 'CURSOR_INVALID', status: 400 });
    // Purged past and from another space: the space answers first (its message tells why).
    const ancient = craft({ ...d1Payload, i: NOW - LIMITS.tombstoneRetentionMs - 1 });
    expect(failure(() => decodeCursor(ancient, TAG, { purgedSeq: 100, now: NOW }, OBJECT))).toMatchObject({ code: 'CURSOR_EXPIRED', message: expect.stringContaining('storage space') });
    expect(failure(() => decodeCursor(ancient, TAG, { purgedSeq: 100, now: NOW }, 'd1'))).toMatchObject({ code: 'CURSOR_EXPIRED', message: expect.stringContaining('retention') });
  });

  it('a page writes its space into the next cursor (d1 unless told)', () => {
    const rows = [{ item: '{"id":"a"}', seq: 3, k: 'a' }];
    const d1Page = toPage(rows, 10, TAG, { seq: 0, key: '' }, 5, NOW);
    expect(payloadOf(d1Page.nextCursor)).not.toHaveProperty('p');
    expect(decodeCursor(d1Page.nextCursor, TAG, HORIZON, 'd1')).toEqual({ seq: 5, key: '', epoch: 5 });
    const objectPage = toPage(rows, 10, TAG, { seq: 0, key: '' }, 5, NOW, { space: OBJECT });
    expect(decodeCursor(objectPage.nextCursor, TAG, HORIZON, OBJECT)).toEqual({ seq: 5, key: '', epoch: 5 });
    expect(failure(() => decodeCursor(objectPage.nextCursor, TAG, HORIZON, 'd1'))).toMatchObject({ status: 410 });
  });

  it('isCursorSpace accepts d1 and o:<id> only', () => {
    expect(['d1', OBJECT, 'o:a', `o:${'a'.repeat(64)}`, 'o:A_b-9'].every(isCursorSpace)).toBe(true);
    expect(['', 'o:', 'o:a.b', `o:${'a'.repeat(65)}`, 1, null, undefined].some(isCursorSpace)).toBe(false);
  });
});
