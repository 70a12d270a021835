import { describe, expect, it } from 'vitest';
import {
  LIMITS,
  jsonValueSchema,
  measureJson,
  settingEntrySchema,
  settingPutRequestSchema,
  settingSchema,
  settingsMergeResponseSchema,
  validateSetting,
} from '../../shared/index.js';

const STAMP = '2026-11-25T11:33:52.123Z-0000-3f9a1c2b7d4e5f60';

/** A value `depth` containers deep, alternating arrays and objects, made the way the wire makes it. */
const deepValue = (depth: number): unknown => {
  let open = '';
  let close = '';
  for (let i = 0; i < depth; i++) {
    open += i % 2 === 0 ? '[' : '{"a":';
    close = (i % 2 === 0 ? ']' : '}') + close;
  }
  return JSON.parse(`${open}1${close}`);
};

describe('JSON shape limits', () => {
  it('accepts a value exactly at the depth limit, on both sides', () => {
    const value = deepValue(LIMITS.maxJsonDepth);
    expect(measureJson(value, { maxDepth: LIMITS.maxJsonDepth })).toMatchObject({ ok: true, depth: LIMITS.maxJsonDepth });
    expect(validateSetting('user', 'custom.x', value)).toEqual({ ok: true, value });
    expect(settingPutRequestSchema.safeParse({ value }).success).toBe(true);
  });

  it.each([LIMITS.maxJsonDepth + 1, 1_500, 10_000, 100_000, 1_000_000])(
    'refuses a value %i deep in the registry and every wire schema, without throwing',
    (depth) => {
      const value = deepValue(depth);
      expect(validateSetting('user', 'custom.x', value)).toMatchObject({ ok: false, code: 'SETTING_VALUE_INVALID' });
      expect(validateSetting('org', 'custom.x', value)).toMatchObject({ ok: false, code: 'SETTING_VALUE_INVALID' });
      expect(jsonValueSchema.safeParse(value).success).toBe(false);
      expect(settingPutRequestSchema.safeParse({ value }).success).toBe(false);
      expect(settingEntrySchema.safeParse({ key: 'custom.x', value, hlc: STAMP }).success).toBe(false);
      expect(settingSchema.safeParse({ key: 'custom.x', value, hlc: STAMP, updatedAt: 1 }).success).toBe(false);
    },
  );

  it('stops at the size limit instead of walking a huge value', () => {
    const wide = new Array(1_000_000).fill(0);
    expect(measureJson(wide, { maxDepth: 64, maxBytes: LIMITS.maxSettingValueBytes })).toMatchObject({ ok: false, problem: 'too-large' });
    expect(validateSetting('user', 'custom.x', wide)).toMatchObject({ ok: false, code: 'SETTING_VALUE_TOO_LARGE' });
  });

  it('cuts a cycle at the depth limit and refuses what JSON cannot carry', () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(measureJson(cycle, { maxDepth: 64 })).toMatchObject({ ok: false, problem: 'too-deep' });
    for (const value of [new Date(0), new Map(), [1, , 2], { a: undefined }, Number.NaN, 1n, Symbol('s')]) {
      expect(measureJson(value, { maxDepth: 64 })).toMatchObject({ ok: false, problem: 'not-json' });
    }
    expect(measureJson(Object.create(null), { maxDepth: 64 })).toEqual({ ok: true, bytes: 2, depth: 1 });
  });
});

describe('keys named __proto__', () => {
  const text = '{"__proto__":{"x":1},"a":1,"b":[{"__proto__":null}]}';

  it('pass the registry (the client writes through it too) and every wire schema exactly as written', () => {
    const value = JSON.parse(text) as unknown;
    const check = validateSetting('user', 'custom.x', value);
    expect(check.ok && JSON.stringify(check.value)).toBe(text);
    expect(JSON.stringify(settingPutRequestSchema.parse({ value }).value)).toBe(text);
    expect(JSON.stringify(settingEntrySchema.parse({ key: 'custom.x', value, hlc: STAMP }).value)).toBe(text);
    const response = settingsMergeResponseSchema.parse({
      results: [],
      changes: [{ key: 'custom.x', value, hlc: STAMP, updatedAt: 1 }],
      cursor: 'c',
      hasMore: false,
      serverHlc: STAMP,
      serverTime: 1,
    });
    expect(JSON.stringify(response.changes[0]?.value)).toBe(text);
    expect(measureJson(value, { maxDepth: 64 })).toMatchObject({ ok: true, bytes: text.length });
  });
});
