import { describe, expect, it } from 'vitest';
import {
  ClockDriftError,
  HlcFormatError,
  HlcRangeError,
  MAX_COUNTER,
  MAX_HLC_MS,
  createHlc,
  createNodeId,
  formatHlc,
  hlcSchema,
  parseHlc,
} from '../../shared/index.js';

const NODE_A = '3f9a1c2b7d4e5f60';
const NODE_B = '0000000000000001';
const T = Date.UTC(2026, 10, 25, 11, 33, 52, 123);

describe('hlc encoding', () => {
  it('formats the normative example', () => {
    expect(formatHlc({ ms: T, counter: 0, node: NODE_A })).toBe('2026-11-25T11:33:52.123Z-0000-3f9a1c2b7d4e5f60');
  });

  it('parses what it formats', () => {
    expect(parseHlc('2026-11-25T11:33:52.123Z-00ff-3f9a1c2b7d4e5f60')).toEqual({ ms: T, counter: 255, node: NODE_A });
  });

  it.each([
    ['2026-02-30T00:00:00.000Z-0000-3f9a1c2b7d4e5f60', 'impossible date'],
    ['2026-11-25T24:00:00.000Z-0000-3f9a1c2b7d4e5f60', 'hour 24'],
    ['2026-11-25T11:33:52.123Z-00FF-3f9a1c2b7d4e5f60', 'uppercase counter'],
    ['2026-11-25T11:33:52.123Z-0000-3f9a1c2b7d4e5f6', 'short node'],
    ['2026-11-25T11:33:52Z-0000-3f9a1c2b7d4e5f60', 'no milliseconds'],
    ['2026-11-25 11:33:52.123Z-0000-3f9a1c2b7d4e5f60', 'space separator'],
    ['', 'empty'],
  ])('rejects %s (%s)', (stamp) => {
    expect(() => parseHlc(stamp)).toThrow(HlcFormatError);
    expect(hlcSchema.safeParse(stamp).success).toBe(false);
  });

  it('creates 16-hex node ids', () => {
    expect(createNodeId()).toMatch(/^[0-9a-f]{16}$/);
    expect(createNodeId(() => new Uint8Array([1, 2, 3, 4, 5, 6, 7, 255]))).toBe('01020304050607ff');
  });
});

describe('createHlc', () => {
  it('uses the wall clock when it moves forward and the counter when it does not', () => {
    let wall = T;
    const hlc = createHlc({ nodeId: NODE_A, now: () => wall });
    expect(hlc.next()).toBe(`2026-11-25T11:33:52.123Z-0000-${NODE_A}`);
    expect(hlc.next()).toBe(`2026-11-25T11:33:52.123Z-0001-${NODE_A}`);
    wall = T - 5000; // the wall clock jumps back
    expect(hlc.next()).toBe(`2026-11-25T11:33:52.123Z-0002-${NODE_A}`);
    wall = T + 1;
    expect(hlc.next()).toBe(`2026-11-25T11:33:52.124Z-0000-${NODE_A}`);
  });

  it('advances the millisecond when the counter overflows instead of throwing or wrapping', () => {
    const hlc = createHlc({ nodeId: NODE_A, now: () => T });
    let previous = hlc.next();
    let outOfOrder = 0;
    for (let i = 0; i < MAX_COUNTER; i++) {
      const stamp = hlc.next();
      if (stamp <= previous) outOfOrder++;
      previous = stamp;
    }
    expect(outOfOrder).toBe(0);
    expect(parseHlc(previous)).toEqual({ ms: T, counter: MAX_COUNTER, node: NODE_A });
    const overflowed = hlc.next();
    expect(parseHlc(overflowed)).toEqual({ ms: T + 1, counter: 0, node: NODE_A });
  });

  it('receive returns a stamp above both the remote and the local state', () => {
    const hlc = createHlc({ nodeId: NODE_A, now: () => T });
    hlc.next();
    const remote = formatHlc({ ms: T + 1000, counter: 7, node: NODE_B });
    const merged = hlc.receive(remote);
    expect(merged).toBe(formatHlc({ ms: T + 1000, counter: 8, node: NODE_A }));
    expect(hlc.next()).toBe(formatHlc({ ms: T + 1000, counter: 9, node: NODE_A }));
  });

  it('refuses a remote stamp beyond the drift limit and stays where it was', () => {
    const hlc = createHlc({ nodeId: NODE_A, now: () => T, maxDriftMs: 60_000 });
    const before = hlc.next();
    const remote = formatHlc({ ms: T + 60_001, counter: 0, node: NODE_B });
    expect(() => hlc.receive(remote)).toThrow(ClockDriftError);
    try {
      hlc.receive(remote);
    } catch (error) {
      expect(error).toBeInstanceOf(ClockDriftError);
      expect((error as ClockDriftError).code).toBe('CLOCK_DRIFT');
      expect((error as ClockDriftError).details).toMatchObject({ driftMs: 60_001, maxDriftMs: 60_000 });
    }
    expect(hlc.last()).toBe(before);
    expect(hlc.receive(formatHlc({ ms: T + 60_000, counter: 0, node: NODE_B }))).toBe(
      formatHlc({ ms: T + 60_000, counter: 1, node: NODE_A }),
    );
  });

  it('resumes above a persisted stamp after a reload, even with the wall clock behind it', () => {
    const first = createHlc({ nodeId: NODE_A, now: () => T + 10_000 });
    const persisted = first.next();
    const reloaded = createHlc({ nodeId: NODE_B, now: () => T, last: persisted });
    const stamp = reloaded.next();
    expect(stamp > persisted).toBe(true);
    expect(parseHlc(stamp)).toEqual({ ms: T + 10_000, counter: 1, node: NODE_B });
  });

  it('refuses to move past the last encodable stamp and stays where it was', () => {
    const hlc = createHlc({ nodeId: NODE_A, now: () => T, maxDriftMs: Number.POSITIVE_INFINITY });
    const before = hlc.next();
    expect(() => hlc.receive(formatHlc({ ms: MAX_HLC_MS, counter: MAX_COUNTER, node: NODE_B }))).toThrow(HlcRangeError);
    expect(hlc.last()).toBe(before);
  });

  it('rejects a malformed node id and a malformed remote', () => {
    expect(() => createHlc({ nodeId: 'XYZ' })).toThrow(HlcFormatError);
    const hlc = createHlc({ nodeId: NODE_A, now: () => T });
    expect(() => hlc.receive('not a stamp')).toThrow(HlcFormatError);
  });
});
