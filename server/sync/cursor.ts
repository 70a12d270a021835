import { LIMITS } from '../../shared/index.js';
import { HttpError } from '../http/http-error.js';
import { D1_SPACE, isCursorSpace, type CursorSpace } from './cursor-space.js';

/**
 * Pull cursors: a position (seq, key) in one collection's keyset order, plus the collection tag it belongs to,
 * the sequence space its seqs count in (cursor-space.ts), when it was issued and its epoch: the head of the
 * change sequence in the transaction that issued it (what the caller could see was decided as of that seq).
 * Opaque to clients (base64url JSON). Decoding checks, in this order:
 *
 *   not JSON, wrong shape, `p` not a space ──▶ 400 CURSOR_INVALID (not one this server issued)
 *   another collection or scope (`t`)     ──▶ 400 CURSOR_INVALID
 *   another sequence space (`p`)          ──▶ 410 CURSOR_EXPIRED (a genuine cursor whose seqs mean nothing here)
 *   older than the tombstone horizon      ──▶ 410 CURSOR_EXPIRED
 *
 * A 410 makes the client resync the collection from scratch. Cursors are not signed, so a `p` edited into
 * another well-formed space is indistinguishable from a cursor of that space: 410, which costs the sender a
 * resync and never serves a position from the wrong sequence.
 */
export interface CursorPosition {
  seq: number;
  key: string;
}

/**
 * A decoded cursor. `epoch` is not the position: a mid-collection page's position can sit far below the seq
 * its page was read at, so "was this cursor issued before change N" must ask the epoch. Cursors issued before
 * epochs existed count their position as their epoch (earlier than the truth: at worst a needless 410).
 */
export interface DecodedCursor extends CursorPosition {
  epoch: number;
}

interface CursorPayload {
  v: 1;
  t: string;
  /** The sequence space; absent for `d1` (so D1 cursors stay what they were before spaces, byte for byte). */
  p?: CursorSpace;
  s: number;
  k: string;
  i: number;
  e?: number;
}

const toBase64Url = (text: string) =>
  btoa(String.fromCharCode(...new TextEncoder().encode(text)))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
const fromBase64Url = (b64: string) =>
  new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(
    Uint8Array.from(atob(b64.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0)),
  );

/** A cursor of collection `tag` at `position`, in `space` (D1's unless given). */
export function encodeCursor(tag: string, position: CursorPosition, issuedAt: number, epoch?: number, space: CursorSpace = D1_SPACE): string {
  const payload: CursorPayload = {
    v: 1,
    t: tag,
    ...(space === D1_SPACE ? {} : { p: space }),
    s: position.seq,
    k: position.key,
    i: issuedAt,
    ...(epoch === undefined ? {} : { e: epoch }),
  };
  return toBase64Url(JSON.stringify(payload));
}

/** The start of a collection: before every row. */
export const START: DecodedCursor = { seq: 0, key: '', epoch: 0 };

/** The position of `cursor` in collection `tag` of the store whose sequence is `space` (D1's unless given). */
export function decodeCursor(
  cursor: string | undefined,
  tag: string,
  horizon: { purgedSeq: number; now: number },
  space: CursorSpace = D1_SPACE,
): DecodedCursor {
  if (cursor === undefined) return START;
  let payload: CursorPayload;
  try {
    payload = JSON.parse(fromBase64Url(cursor)) as CursorPayload;
  } catch {
    throw new HttpError('CURSOR_INVALID', 'cursor is not one this server issued');
  }
  if (
    payload === null ||
    typeof payload !== 'object' ||
    payload.v !== 1 ||
    !Number.isSafeInteger(payload.s) ||
    payload.s < 0 ||
    typeof payload.k !== 'string' ||
    (payload.p !== undefined && !isCursorSpace(payload.p)) ||
    !Number.isSafeInteger(payload.i) ||
    (payload.e !== undefined && (!Number.isSafeInteger(payload.e) || payload.e < 0))
  ) {
    throw new HttpError('CURSOR_INVALID', 'cursor is not one this server issued');
  }
  if (payload.t !== tag) throw new HttpError('CURSOR_INVALID', 'cursor belongs to another collection');
  if ((payload.p ?? D1_SPACE) !== space) {
    throw new HttpError('CURSOR_EXPIRED', 'cursor is from another storage space (the collection moved): resync from scratch');
  }
  if (payload.s < horizon.purgedSeq || horizon.now - payload.i > LIMITS.tombstoneRetentionMs) {
    throw new HttpError('CURSOR_EXPIRED', 'cursor is older than the tombstone retention window: resync from scratch');
  }
  return { seq: payload.s, key: payload.k, epoch: payload.e ?? payload.s };
}
