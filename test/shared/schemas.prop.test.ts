import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  LIMITS,
  SETTINGS_REGISTRY,
  SETTING_KEY_PATTERN,
  hlcSchema,
  jsonByteLength,
  settingEntrySchema,
  settingKeySchema,
  validateSetting,
  type KnownSettingKey,
  type SettingScope,
} from '../../shared/index.js';
import { hlcArb } from './arbitraries.js';

const scopeArb = fc.constantFrom<SettingScope>('user', 'org');
const knownKeys = Object.keys(SETTINGS_REGISTRY) as KnownSettingKey[];

describe('settings registry properties', () => {
  it('rejects every key outside the key pattern, in both the schema and the registry', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }).filter((k) => !SETTING_KEY_PATTERN.test(k)), scopeArb, (key, scope) => {
        expect(settingKeySchema.safeParse(key).success).toBe(false);
        const result = validateSetting(scope, key, 'x');
        expect(result.ok).toBe(false);
        if (!result.ok) expect(result.code).toBe('SETTING_KEY_UNKNOWN');
      }),
    );
  });

  it('rejects well-formed keys that are neither registered nor custom.*', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(SETTING_KEY_PATTERN).filter((k) => !(k in SETTINGS_REGISTRY) && !k.startsWith('custom.')),
        scopeArb,
        fc.jsonValue(),
        (key, scope, value) => {
          const result = validateSetting(scope, key, value);
          expect(result).toMatchObject({ ok: false, code: 'SETTING_KEY_UNKNOWN' });
        },
      ),
    );
  });

  it('rejects a known key in the other scope', () => {
    for (const key of knownKeys) {
      const other: SettingScope = SETTINGS_REGISTRY[key].scope === 'user' ? 'org' : 'user';
      expect(validateSetting(other, key, null)).toMatchObject({ ok: false, code: 'SETTING_KEY_UNKNOWN' });
    }
  });

  it('rejects values of the wrong type for every known key and accepts null (delete)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...knownKeys), fc.jsonValue({ maxDepth: 2 }), (key, value) => {
        const { scope, schema } = SETTINGS_REGISTRY[key];
        const result = validateSetting(scope, key, value);
        const typeOk = schema.safeParse(value).success && value !== null;
        if (value === null) expect(result.ok).toBe(true);
        else if (typeOk) expect(result.ok).toBe(true);
        else expect(result).toMatchObject({ ok: false, code: 'SETTING_VALUE_INVALID' });
      }),
    );
    expect(validateSetting('user', 'theme', 'dark').ok).toBe(true);
    expect(validateSetting('user', 'theme', 'blue')).toMatchObject({ ok: false, code: 'SETTING_VALUE_INVALID' });
    expect(validateSetting('user', 'notifications.email', 'yes')).toMatchObject({ ok: false, code: 'SETTING_VALUE_INVALID' });
    expect(validateSetting('user', 'editor.fontSize', 12.5)).toMatchObject({ ok: false, code: 'SETTING_VALUE_INVALID' });
  });

  it('accepts any JSON under custom.* up to 16 KiB of UTF-8 and rejects anything larger', () => {
    fc.assert(
      fc.property(
        scopeArb,
        fc.integer({ min: 0, max: 3 * LIMITS.maxSettingValueBytes }),
        fc.constantFrom('a', 'é', '€', '😀'),
        (scope, repeat, unit) => {
          const value = { text: unit.repeat(Math.floor(repeat / unit.length / 2)) };
          const bytes = new TextEncoder().encode(JSON.stringify(value)).length;
          const result = validateSetting(scope, 'custom.blob', value);
          if (bytes <= LIMITS.maxSettingValueBytes) expect(result.ok).toBe(true);
          else expect(result).toMatchObject({ ok: false, code: 'SETTING_VALUE_TOO_LARGE' });
        },
      ),
    );
  });

  it('measures JSON size exactly as UTF-8 encoding does', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.string({ unit: 'binary' }), (value, text) => {
        expect(jsonByteLength(value)).toBe(new TextEncoder().encode(JSON.stringify(value)).length);
        expect(jsonByteLength(text)).toBe(new TextEncoder().encode(JSON.stringify(text)).length);
      }),
    );
  });

  it('rejects values that are not JSON', () => {
    for (const value of [undefined, Number.NaN, Number.POSITIVE_INFINITY, { a: undefined }, () => 1, 10n]) {
      expect(validateSetting('user', 'custom.x', value)).toMatchObject({ ok: false, code: 'SETTING_VALUE_INVALID' });
    }
  });
});

describe('stamp and entry schemas', () => {
  it('reject any single-character corruption of a valid stamp that breaks its shape or date', () => {
    fc.assert(
      fc.property(hlcArb, fc.nat(45), fc.string({ minLength: 1, maxLength: 1, unit: 'binary' }), (stamp, at, ch) => {
        const mutated = stamp.slice(0, at) + ch + stamp.slice(at + 1);
        const iso = mutated.slice(0, 24);
        const valid =
          /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z-[0-9a-f]{4}-[0-9a-f]{16}$/.test(mutated) &&
          !Number.isNaN(Date.parse(iso)) &&
          new Date(Date.parse(iso)).toISOString() === iso;
        expect(hlcSchema.safeParse(mutated).success).toBe(valid);
      }),
    );
  });

  it('reject entries with a malformed stamp, a bad key or a non-JSON value', () => {
    fc.assert(
      fc.property(hlcArb, (hlc) => {
        expect(settingEntrySchema.safeParse({ key: 'theme', value: 'dark', hlc }).success).toBe(true);
        expect(settingEntrySchema.safeParse({ key: 'theme', value: 'dark', hlc: `${hlc.slice(0, -1)}G` }).success).toBe(false);
        expect(settingEntrySchema.safeParse({ key: 'the me', value: 'dark', hlc }).success).toBe(false);
        expect(settingEntrySchema.safeParse({ key: 'theme', value: Number.NaN, hlc }).success).toBe(false);
        expect(settingEntrySchema.safeParse({ key: 'theme', hlc }).success).toBe(false);
      }),
    );
  });
});
