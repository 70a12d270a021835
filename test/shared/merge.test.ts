import { describe, expect, it } from 'vitest';
import { canonicalJson, compareRegisters, jsonByteLength, mergeMaps, mergeRegister, type LwwRegister } from '../../shared/index.js';

const s = (ms: number, counter = 0, node = '000000000000000a') =>
  `${new Date(Date.UTC(2026, 10, 25) + ms).toISOString()}-${counter.toString(16).padStart(4, '0')}-${node}`;

describe('lww register', () => {
  it('keeps the higher stamp whichever side it is on', () => {
    const older = { value: 'light', hlc: s(1) };
    const newer = { value: 'dark', hlc: s(2) };
    expect(mergeRegister(older, newer)).toBe(newer);
    expect(mergeRegister(newer, older)).toBe(newer);
  });

  it('lets a tombstone win over an older write and lose to a newer one', () => {
    const write: LwwRegister<string> = { value: 'dark', hlc: s(1) };
    const del: LwwRegister<string> = { value: null, hlc: s(2) };
    const rewrite: LwwRegister<string> = { value: 'light', hlc: s(3) };
    expect(mergeRegister(write, del)).toBe(del);
    expect(mergeRegister(del, rewrite)).toBe(rewrite);
  });

  it('breaks a tie on equal stamps by canonical JSON, the same way on both sides', () => {
    const a = { value: { z: 1, a: 2 }, hlc: s(1) };
    const b = { value: { a: 2, z: 2 }, hlc: s(1) };
    expect(mergeRegister(a, b)).toBe(b);
    expect(mergeRegister(b, a)).toBe(b);
    expect(compareRegisters({ value: { b: 1, a: 1 }, hlc: s(1) }, { value: { a: 1, b: 1 }, hlc: s(1) })).toBe(0);
  });

  it('breaks a tie by code point (UTF-8 order), not by UTF-16 code unit', () => {
    const emoji = { value: '😀', hlc: s(1) }; // U+1F600: surrogates D83D DE00
    const replacement = { value: '\uFFFD', hlc: s(1) };
    expect(mergeRegister(emoji, replacement)).toBe(emoji);
    expect(mergeRegister(replacement, emoji)).toBe(emoji);
    expect(compareRegisters({ value: ['\uE000'], hlc: s(1) }, { value: ['\u{10000}'], hlc: s(1) })).toBe(-1);
  });

  it('writes canonical JSON with sorted keys at every depth', () => {
    expect(canonicalJson({ b: [{ y: 1, x: 2 }], a: null })).toBe('{"a":null,"b":[{"x":2,"y":1}]}');
  });

  it('counts JSON size in UTF-8 bytes', () => {
    expect(jsonByteLength('é')).toBe(4); // quotes + 2 bytes
    expect(jsonByteLength('😀')).toBe(6);
    expect(jsonByteLength({ a: 1 })).toBe(7);
  });
});

describe('lww map', () => {
  it('merges per key: an older register stays, a newer one wins, a new key joins', () => {
    const local = new Map([
      ['theme', { value: 'light', hlc: s(5) }],
      ['locale', { value: 'en', hlc: s(5) }],
    ]);
    const remote = new Map([
      ['theme', { value: 'dark', hlc: s(4) }],
      ['locale', { value: 'fr', hlc: s(6) }],
      ['timezone', { value: 'UTC', hlc: s(1) }],
    ]);
    const merged = mergeMaps(local, remote);
    expect(Object.fromEntries([...merged].map(([k, r]) => [k, r.value]))).toEqual({ theme: 'light', locale: 'fr', timezone: 'UTC' });
  });

  it('mergeMaps leaves its inputs alone', () => {
    const a = new Map([['k', { value: 1, hlc: s(1) }]]);
    const b = new Map([['k', { value: 2, hlc: s(2) }]]);
    const merged = mergeMaps(a, b);
    expect(merged.get('k')?.value).toBe(2);
    expect(a.get('k')?.value).toBe(1);
  });
});
