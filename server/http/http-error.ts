import { ERROR_CODES, type ErrorCode, type ErrorBody } from '../../shared/index.js';

/**
 * An expected failure of a request, carrying its wire code. Services throw it; the one `app.onError` turns it
 * into the error body. The HTTP status comes from the code table, so a code can never travel with the wrong
 * status.
 */
export class HttpError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>, headers?: Record<string, string>) {
    super(message);
    this.name = 'HttpError';
    this.code = code;
    this.status = ERROR_CODES[code];
    this.details = details;
    this.headers = headers;
  }
}

export function errorBody(code: ErrorCode, message: string, details?: Record<string, unknown>, now = Date.now()): ErrorBody {
  return { code, message, statusCode: ERROR_CODES[code], ...(details ? { details } : {}), timestamp: now };
}

export const notFound = (what: 'org' | 'project' | 'member' | 'user') =>
  new HttpError(
    what === 'org' ? 'ORG_NOT_FOUND' : what === 'project' ? 'PROJECT_NOT_FOUND' : what === 'member' ? 'MEMBER_NOT_FOUND' : 'USER_NOT_FOUND',
    `${what} not found`,
  );

export const forbidden = (reason: string) => new HttpError('AUTH_FORBIDDEN', 'not allowed', { reason });
