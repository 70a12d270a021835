import * as z from 'zod/mini';
import { HlcFormatError } from '../errors/sync-error.js';

/**
 * The wire encoding of a hybrid logical clock stamp (normative, DESIGN section 3):
 *
 *   2026-11-25T11:33:52.123Z-0000-3f9a1c2b7d4e5f60
 *   └──── ISO-8601 UTC ms ───┘ └ctr┘ └── node id ───┘
 *
 * Every field has a fixed width, so plain string comparison is the clock order:
 * (ms, counter, node) compared left to right. Nothing needs parsing to compare or merge.
 */
export const HLC_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z-[0-9a-f]{4}-[0-9a-f]{16}$/;
export const NODE_ID_PATTERN = /^[0-9a-f]{16}$/;

/** Four hex digits. */
export const MAX_COUNTER = 0xffff;
/** The last millisecond whose ISO form has a four-digit year (9999-12-31T23:59:59.999Z). */
export const MAX_HLC_MS = 253_402_300_799_999;
export const MIN_HLC_MS = 0;
/** Length of every stamp: 24 (ISO) + 1 + 4 + 1 + 16. */
export const HLC_LENGTH = 46;

export interface HlcParts {
  /** Milliseconds since the epoch (the physical part). */
  readonly ms: number;
  /** Logical counter within one millisecond, 0..MAX_COUNTER. */
  readonly counter: number;
  /** 16 lowercase hex digits naming the issuing clock. */
  readonly node: string;
}

export function isValidMs(ms: number): boolean {
  return Number.isInteger(ms) && ms >= MIN_HLC_MS && ms <= MAX_HLC_MS;
}

export function formatCounter(counter: number): string {
  return counter.toString(16).padStart(4, '0');
}

export function formatHlc(parts: HlcParts): string {
  if (!isValidMs(parts.ms)) throw new HlcFormatError(`ms out of range: ${parts.ms}`);
  if (!Number.isInteger(parts.counter) || parts.counter < 0 || parts.counter > MAX_COUNTER) {
    throw new HlcFormatError(`counter out of range: ${parts.counter}`);
  }
  if (!NODE_ID_PATTERN.test(parts.node)) throw new HlcFormatError('node id must be 16 lowercase hex digits', parts.node);
  return `${new Date(parts.ms).toISOString()}-${formatCounter(parts.counter)}-${parts.node}`;
}

const digits = (s: string, from: number, to: number): number => {
  let n = 0;
  for (let i = from; i < to; i++) n = n * 10 + (s.charCodeAt(i) - 48);
  return n;
};

/**
 * The ms of a stamp whose shape already matched HLC_PATTERN, or NaN for an impossible time (2026-02-30,
 * 24:00, a leap second, a year before 1970). Field checks instead of Date.parse + toISOString keep receive()
 * cheap: it runs once per remote stamp.
 */
function isoMs(stamp: string): number {
  const year = digits(stamp, 0, 4);
  const month = digits(stamp, 5, 7);
  const day = digits(stamp, 8, 10);
  const hour = digits(stamp, 11, 13);
  const minute = digits(stamp, 14, 16);
  const second = digits(stamp, 17, 19);
  if (year < 1970 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return Number.NaN;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const daysInMonth = month === 2 ? (leap ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
  if (day > daysInMonth) return Number.NaN;
  return Date.UTC(year, month - 1, day, hour, minute, second, digits(stamp, 20, 23));
}

/** Parses a stamp; impossible dates (2026-02-30) are rejected, not rolled over. */
export function parseHlc(stamp: string): HlcParts {
  if (typeof stamp !== 'string' || !HLC_PATTERN.test(stamp)) throw new HlcFormatError('malformed hlc stamp', stamp);
  const ms = isoMs(stamp);
  if (Number.isNaN(ms)) throw new HlcFormatError('hlc stamp has an impossible time', stamp);
  return { ms, counter: Number.parseInt(stamp.slice(25, 29), 16), node: stamp.slice(30) };
}

export function isHlc(value: unknown): value is string {
  return typeof value === 'string' && HLC_PATTERN.test(value) && !Number.isNaN(isoMs(value));
}

/** Clock order; equal to string order by construction of the encoding. */
export function compareHlc(a: string, b: string): -1 | 0 | 1 {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The zod schema used at every boundary where a stamp arrives (wire, storage, user input). */
export const hlcSchema = z.string().check(z.refine(isHlc, { message: 'malformed hlc stamp' }));
