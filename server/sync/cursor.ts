import { LIMITS } from '../../shared/index.js';
import { HttpError } from '../http/http-error.js';

/**
 * Pull cursors: a position (seq, key) in one collection's keyset order, plus the collection tag it belongs to,
 * when it was issued and its epoch: the head of the change sequence in the transaction that issued it (what the
 * caller could see was decided as of that seq). Opaque to clients (base64url JSON); a cursor from another collection or scope is
 * CURSOR_INVALID, one older than the tombstone horizon is CURSOR_EXPIRED (the client resyncs from scratch).
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

export function encodeCursor(tag: string, position: CursorPosition, issuedAt: number, epoch?: number): string {
  const payload: CursorPayload = { v: 1, t: tag, s: position.seq, k: position.key, i: issuedAt, ...(epoch === undefined ? {} : { e: epoch }) };
  return toBase64Url(JSON.stringify(payload));
}

/** The start of a collection: before every row. */
export const START: DecodedCursor = { seq: 0, key: '', epoch: 0 };

export function decodeCursor(
  cursor: string | undefined,
  tag: string,
  horizon: { purgedSeq: number; now: number },
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
    !Number.isSafeInteger(payload.i) ||
    (payload.e !== undefined && (!Number.isSafeInteger(payload.e) || payload.e < 0))
  ) {
    throw new HttpError('CURSOR_INVALID', 'cursor is not one this server issued');
  }
  if (payload.t !== tag) throw new HttpError('CURSOR_INVALID', 'cursor belongs to another collection');
  if (payload.s < horizon.purgedSeq || horizon.now - payload.i > LIMITS.tombstoneRetentionMs) {
    throw new HttpError('CURSOR_EXPIRED', 'cursor is older than the tombstone retention window: resync from scratch');
  }
  return { seq: payload.s, key: payload.k, epoch: payload.e ?? payload.s };
}
