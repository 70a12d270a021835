import { APIError, createAuthMiddleware } from 'better-auth/api';
import { LIMITS } from '../../shared/index.js';

/** Each user field a Better Auth endpoint may write, with its bound and the code a refusal carries. */
const BOUNDS = [
  { field: 'name', max: LIMITS.maxNameLength, code: 'NAME_TOO_LONG' },
  { field: 'email', max: LIMITS.maxEmailLength, code: 'EMAIL_TOO_LONG' },
  { field: 'newEmail', max: LIMITS.maxEmailLength, code: 'EMAIL_TOO_LONG' },
] as const;

/**
 * Better Auth before-hook: refuses any auth request whose body carries a name longer than LIMITS.maxNameLength
 * or an email longer than LIMITS.maxEmailLength, with 400 and a code naming the field. Names show in the member
 * lists of every org and project the user is in, so an unbounded one is every other member's problem. It runs
 * for every auth endpoint (sign-up, update-user, and any that a plugin adds) before the endpoint, so nothing is
 * stored and a refused sign-up costs no password hash.
 */
export const boundUserFields = createAuthMiddleware(async (ctx) => {
  const body: unknown = ctx.body;
  if (typeof body !== 'object' || body === null) return;
  for (const { field, max, code } of BOUNDS) {
    const value = (body as Record<string, unknown>)[field];
    if (typeof value === 'string' && value.length > max) {
      throw new APIError('BAD_REQUEST', { code, message: `${field} is longer than ${max} characters` });
    }
  }
});
