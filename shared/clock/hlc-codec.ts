import { z } from 'zod';
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

/** Parses a stamp; impossible dates (2026-02-30) are rejected because the ISO part must round-trip. */
export function parseHlc(stamp: string): HlcParts {
  if (typeof stamp !== 'string' || !HLC_PATTERN.test(stamp)) throw new HlcFormatError('malformed hlc stamp', stamp);
  const iso = stamp.slice(0, 24);
  const ms = Date.parse(iso);
  if (!isValidMs(ms) || new Date(ms).toISOString() !== iso) throw new HlcFormatError('hlc stamp has an impossible time', stamp);
  return { ms, counter: Number.parseInt(stamp.slice(25, 29), 16), node: stamp.slice(30) };
}

export function isHlc(value: unknown): value is string {
  if (typeof value !== 'string' || !HLC_PATTERN.test(value)) return false;
  const iso = value.slice(0, 24);
  const ms = Date.parse(iso);
  return isValidMs(ms) && new Date(ms).toISOString() === iso;
}

/** Clock order; equal to string order by construction of the encoding. */
export function compareHlc(a: string, b: string): -1 | 0 | 1 {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The physical time of a stamp without a full parse (for drift checks and diagnostics). */
export function hlcMs(stamp: string): number {
  return parseHlc(stamp).ms;
}

/** The zod schema used at every boundary where a stamp arrives (wire, storage, user input). */
export const hlcSchema = z.string().refine(isHlc, { message: 'malformed hlc stamp' });
export const nodeIdSchema = z.string().regex(NODE_ID_PATTERN, 'node id must be 16 lowercase hex digits');
