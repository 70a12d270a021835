import type { ErrorBody } from '../../../shared/index.js';
import { HttpError, errorBody } from '../../http/http-error.js';

/**
 * What an org object answers over RPC: a value, or the refusal as the client gets it (status, error body text,
 * headers). Data, not a thrown error, because RPC keeps only the message and name of an Error (its code,
 * details and headers would be lost; spike finding 7), and because the body of a keyed write's refusal is the
 * one stored for its replay, timestamp included, so the first answer must be that same text.
 */
export type ObjectAnswer<T> = { readonly ok: true; readonly value: T } | ObjectRefusal;

export interface ObjectRefusal {
  readonly ok: false;
  readonly status: number;
  /** The error body, JSON text. */
  readonly body: string;
  readonly headers?: Record<string, string> | undefined;
}

/** An expected refusal (HttpError) as data, its body stamped `now`; anything else is a bug and rethrown. */
export function refusalOf(error: unknown, now: number): ObjectRefusal {
  if (!(error instanceof HttpError)) throw error;
  return { ok: false, status: error.status, body: JSON.stringify(errorBody(error.code, error.message, error.details, now)), headers: error.headers };
}

/** In the Worker: the refusal thrown again as the HttpError it was (onError writes the body afresh). */
export function throwRefusal(refusal: ObjectRefusal): never {
  const body = JSON.parse(refusal.body) as ErrorBody;
  throw new HttpError(body.code, body.message, body.details as Record<string, unknown> | undefined, refusal.headers);
}
