import { describe, expect, it } from 'vitest';
import {
  ERROR_CODES,
  addOrgMemberRequestSchema,
  createProjectRequestSchema,
  errorBodySchema,
  isErrorCode,
  opSchema,
  pageQuerySchema,
  projectPageSchema,
  settingsMergeRequestSchema,
  settingsMergeResponseSchema,
  updateProjectRequestSchema,
} from '../../shared/index.js';

const ORG = '6f1c2a3b-4d5e-4f60-8a1b-1234567890ab';
const PROJECT = '0a1b2c3d-4e5f-4a6b-9c7d-8e9f0a1b2c3d';
const STAMP = '2026-11-25T11:33:52.123Z-0000-3f9a1c2b7d4e5f60';

describe('wire schemas', () => {
  it('parse a page mixing live rows and tombstones', () => {
    const page = projectPageSchema.parse({
      items: [
        { id: PROJECT, orgId: ORG, name: 'Trial', description: '', createdBy: 'u1', createdAt: 1, updatedAt: 2, deletedAt: null, version: 3 },
        { id: PROJECT, orgId: ORG, deletedAt: 5 },
      ],
      nextCursor: 'c1',
      hasMore: false,
      serverTime: 10,
    });
    expect(page.items[1]?.deletedAt).toBe(5);
    expect(() => projectPageSchema.parse({ items: [], hasMore: false, serverTime: 1 })).toThrow();
  });

  it('default and bound the page query', () => {
    expect(pageQuerySchema.parse({})).toEqual({ limit: 200 });
    expect(pageQuerySchema.parse({ limit: '1000' }).limit).toBe(1000);
    expect(pageQuerySchema.safeParse({ limit: '0' }).success).toBe(false);
    expect(pageQuerySchema.safeParse({ limit: '1001' }).success).toBe(false);
  });

  it('refuse unknown fields and out-of-range lengths in request bodies', () => {
    expect(createProjectRequestSchema.safeParse({ name: 'x', owner: 'me' }).success).toBe(false);
    expect(createProjectRequestSchema.safeParse({ name: '' }).success).toBe(false);
    expect(createProjectRequestSchema.safeParse({ name: 'a'.repeat(256) }).success).toBe(false);
    expect(createProjectRequestSchema.safeParse({ name: 'ok', description: 'd'.repeat(2001) }).success).toBe(false);
    expect(updateProjectRequestSchema.safeParse({}).success).toBe(false);
    expect(updateProjectRequestSchema.safeParse({ description: '' }).success).toBe(true);
  });

  it('name a member by exactly one of email or userId', () => {
    expect(addOrgMemberRequestSchema.safeParse({ email: 'a@b.co', role: 'member' }).success).toBe(true);
    expect(addOrgMemberRequestSchema.safeParse({ userId: 'u1', role: 'admin' }).success).toBe(true);
    expect(addOrgMemberRequestSchema.safeParse({ email: 'a@b.co', userId: 'u1', role: 'member' }).success).toBe(false);
    expect(addOrgMemberRequestSchema.safeParse({ role: 'member' }).success).toBe(false);
    expect(addOrgMemberRequestSchema.safeParse({ userId: 'u1', role: 'superuser' }).success).toBe(false);
  });

  it('bound a merge request to 500 entries and type its response', () => {
    const entry = { key: 'theme', value: 'dark', hlc: STAMP };
    const distinct = (n: number) => Array.from({ length: n }, (_, i) => ({ ...entry, key: `custom.k${i}` }));
    expect(settingsMergeRequestSchema.safeParse({ entries: distinct(500) }).success).toBe(true);
    expect(settingsMergeRequestSchema.safeParse({ entries: distinct(501) }).success).toBe(false);
    // One entry per key: a duplicate refuses the whole request, naming the second occurrence.
    const twice = settingsMergeRequestSchema.safeParse({ entries: [entry, distinct(1)[0], entry] });
    expect(twice.success).toBe(false);
    expect(twice.error?.issues.map((i) => i.path)).toEqual([['entries', 2, 'key']]);
    const response = {
      results: [{ key: 'theme', status: 'stale', current: { ...entry, updatedAt: 5 } }],
      changes: [{ ...entry, updatedAt: 5 }],
      cursor: 'c',
      hasMore: false,
      serverHlc: STAMP,
      serverTime: 5,
    };
    expect(settingsMergeResponseSchema.parse(response).results[0]?.status).toBe('stale');
    expect(settingsMergeResponseSchema.safeParse({ ...response, serverHlc: 'now' }).success).toBe(false);
  });

  it('accept only known codes and 4xx/5xx statuses in the error body', () => {
    expect(errorBodySchema.safeParse({ code: 'AUTH_REQUIRED', message: 'm', statusCode: 401, timestamp: 1 }).success).toBe(true);
    expect(errorBodySchema.safeParse({ code: 'NOPE', message: 'm', statusCode: 401, timestamp: 1 }).success).toBe(false);
    expect(errorBodySchema.safeParse({ code: 'INTERNAL', message: 'm', statusCode: 200, timestamp: 1 }).success).toBe(false);
    expect(isErrorCode('CURSOR_EXPIRED')).toBe(true);
    expect(ERROR_CODES.CURSOR_EXPIRED).toBe(410);
    expect(ERROR_CODES.IDEMPOTENCY_KEY_REUSED).toBe(422);
  });

  it('type the op record', () => {
    const op = {
      id: PROJECT,
      userId: 'u1',
      lane: `project:${PROJECT}`,
      method: 'PATCH',
      path: `/api/orgs/${ORG}/projects/${PROJECT}`,
      body: { name: 'x' },
      status: 'pending',
      attempts: 0,
      nextAttemptAt: 0,
      lastAttempt: null,
      error: null,
      createdAt: 1,
    };
    expect(opSchema.parse(op).status).toBe('pending');
    expect(opSchema.safeParse({ ...op, status: 'done' }).success).toBe(false);
    expect(opSchema.safeParse({ ...op, path: 'https://elsewhere/api' }).success).toBe(false);
  });
});
