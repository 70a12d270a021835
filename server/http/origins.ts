import type { Env } from '../env.js';

/** Dev origins that are always allowed, plus APP_ORIGINS (comma-separated) from the environment. */
const DEV_ORIGIN = /^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?$/;

export function appOrigins(env: Env): string[] {
  return (env.APP_ORIGINS ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
}

export function isAllowedOrigin(env: Env, origin: string): boolean {
  return DEV_ORIGIN.test(origin) || appOrigins(env).includes(origin);
}
