/**
 * Stable error codes of the wire protocol and the HTTP status each one travels with.
 * The server answers every failure outside /api/auth/* with one of these codes; the client classifies
 * outcomes by code first and by status only when the body is not ours (a proxy's 502, say).
 */
export const ERROR_CODES = {
  AUTH_REQUIRED: 401,
  AUTH_FORBIDDEN: 403,
  ORG_NOT_FOUND: 404,
  PROJECT_NOT_FOUND: 404,
  MEMBER_NOT_FOUND: 404,
  USER_NOT_FOUND: 404,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  VALIDATION_FAILED: 400,
  CURSOR_INVALID: 400,
  CLOCK_DRIFT: 400,
  SETTING_KEY_UNKNOWN: 400,
  SETTING_VALUE_INVALID: 400,
  SETTING_VALUE_TOO_LARGE: 400,
  BODY_TOO_LARGE: 413,
  CONFLICT: 409,
  ALREADY_EXISTS: 409,
  ALREADY_MEMBER: 409,
  ORG_LAST_OWNER: 409,
  PROJECT_LAST_OWNER: 409,
  IDEMPOTENCY_IN_PROGRESS: 409,
  IDEMPOTENCY_KEY_REUSED: 422,
  PRECONDITION_FAILED: 412,
  CURSOR_EXPIRED: 410,
  /** GET /api/live answers only a WebSocket upgrade. */
  UPGRADE_REQUIRED: 426,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  /** Client-side only: an op gave up after its maximum attempt count. */
  RETRIES_EXHAUSTED: 0,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export const ERROR_CODE_LIST = Object.keys(ERROR_CODES) as readonly ErrorCode[];

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ERROR_CODES, value);
}
