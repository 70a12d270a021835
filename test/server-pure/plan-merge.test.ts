import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_DRIFT_MS, LIMITS, formatHlc, jsonByteLength, type Setting } from '../../shared/index.js';
import { planMerge } from '../../server/sync/plan-merge.js';
import { ALL_CASES, BASE_MS, SERVER_NODE, buildCase, expectedSaid, said } from './merge-cases.js';

const clock = { nodeId: SERVER_NODE, last: null, now: BASE_MS };
const stamp = (ms: number, counter = 0) => formatHlc({ ms: BASE_MS + ms, counter, node: 'aaaaaaaaaaaaaaaa' });

describe('planMerge', () => {
  // The edges: a stamp exactly at the drift limit is accepted, one millisecond past it refused; an older or a
  // newer register one counter away.
  const edges = { now: BASE_MS, key: 'custom.x', values: ['dark', 'light'], withinMs: DEFAULT_MAX_DRIFT_MS, beyondMs: 1, gapMs: 0 } as const;

  it.each(ALL_CASES)('stored $stored, entry $entry: $outcome', ({ stored, entry, outcome }) => {
    const c = buildCase(stored, entry, edges);
    const plan = planMerge('user', [c.entry], c.stored, c.clock);
    expect(plan.results.map(said)).toEqual([expectedSaid(outcome, 'custom.x', c.current)]);
    expect(plan.winners).toEqual(outcome === 'applied' ? [c.entry] : []);
    // Only a received stamp moves the clock; a refused one leaves it where it was.
    if (outcome === 'applied' || outcome === 'stale') expect(plan.serverHlc > (c.entry.hlc as string)).toBe(true);
    else expect(plan.serverHlc).toBe(c.clock.last);
  });

  const rejections = [
    { name: 'an unknown key', key: 'unknown.key', value: 1, code: 'SETTING_KEY_UNKNOWN' },
    { name: 'another scope’s key', key: 'appraisal.blindReview', value: true, code: 'SETTING_KEY_UNKNOWN' },
    { name: 'a malformed key', key: 'bad key!', value: 1, code: 'VALIDATION_FAILED' },
    { name: 'a malformed stamp', key: 'locale', value: 'en', hlc: 'yesterday', code: 'VALIDATION_FAILED' },
    { name: 'a value the registry refuses', key: 'notifications.email', value: 'yes', code: 'SETTING_VALUE_INVALID' },
    { name: 'a value over 16 KiB', key: 'custom.big', value: 'x'.repeat(LIMITS.maxSettingValueBytes), code: 'SETTING_VALUE_TOO_LARGE' },
  ] as const;

  it.each(rejections)('rejects $name ($code) alone, in request order, while its neighbours apply', ({ key, value, code, ...rest }) => {
    const bad = { key, value, hlc: 'hlc' in rest ? rest.hlc : stamp(2) };
    const plan = planMerge('user', [{ key: 'theme', value: 'dark', hlc: stamp(1) }, bad, { key: 'custom.ok', value: [1], hlc: stamp(3) }], new Map(), clock);
    expect(plan.results.map((r) => [r.key, r.status, r.code])).toEqual([
      ['theme', 'applied', undefined],
      [key, 'rejected', code],
      ['custom.ok', 'applied', undefined],
    ]);
    expect(plan.winners.map((w) => w.key)).toEqual(['theme', 'custom.ok']);
  });

  it('spends the `current` budget in request order, and a smaller register after a refused one still fits', () => {
    const big = (i: number) => `${i}:${'€'.repeat(Math.floor((LIMITS.maxSettingValueBytes - 40) / 3))}`;
    const keys = Array.from({ length: 20 }, (_, i) => `custom.k${String(i).padStart(2, '0')}`);
    const stored = new Map<string, Setting>(keys.map((key, i) => [key, { key, value: big(i), hlc: stamp(10), updatedAt: 1 }]));
    stored.set('custom.small', { key: 'custom.small', value: 1, hlc: stamp(10), updatedAt: 1 });
    const entries = [...keys, 'custom.small'].map((key) => ({ key, value: 0, hlc: stamp(0) }));
    const plan = planMerge('user', entries, stored, clock);
    expect(plan.results.every((r) => r.status === 'stale')).toBe(true);
    const carried = plan.results.filter((r) => r.current).map((r) => r.key);
    const fit = Math.floor(LIMITS.maxMergeCurrentBytes / jsonByteLength(stored.get('custom.k00')));
    expect(carried).toEqual([...keys.slice(0, fit), 'custom.small']);
    expect(plan.winners).toEqual([]);
  });

  it('refuses a batch naming a key twice (the request schema already does: here it is a bug)', () => {
    const entry = { key: 'theme', value: 'dark', hlc: stamp(1) };
    expect(() => planMerge('user', [entry, entry], new Map(), clock)).toThrow(TypeError);
  });
});
