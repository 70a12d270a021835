import type { ErrorCode } from './error-codes.js';

/**
 * Base class of every unexpected outcome in shared/ (expected ones are data, e.g. `{ status: 'stale' }`).
 * Carries a stable wire code so a handler can map it to the error body without string matching.
 */
export class SyncError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = options?.details;
  }
}

/** A remote stamp is further ahead of local wall time than the drift limit allows. The clock did not move. */
export class ClockDriftError extends SyncError {
  readonly remote: string;
  readonly remoteMs: number;
  readonly wallMs: number;
  readonly maxDriftMs: number;

  constructor(remote: string, remoteMs: number, wallMs: number, maxDriftMs: number) {
    super('CLOCK_DRIFT', `remote stamp is ${remoteMs - wallMs} ms ahead of local time (limit ${maxDriftMs} ms)`, {
      details: { remote, driftMs: remoteMs - wallMs, maxDriftMs },
    });
    this.remote = remote;
    this.remoteMs = remoteMs;
    this.wallMs = wallMs;
    this.maxDriftMs = maxDriftMs;
  }
}

/** A string that is not a well-formed stamp (wrong shape, impossible date, out-of-range field). */
export class HlcFormatError extends SyncError {
  constructor(message: string, input?: unknown) {
    super('VALIDATION_FAILED', message, { details: { input: typeof input === 'string' ? input.slice(0, 64) : typeof input } });
  }
}

/** The clock would have to leave the encodable range (after 9999-12-31): never happens with sane wall clocks. */
export class HlcRangeError extends SyncError {
  constructor(ms: number) {
    super('INTERNAL', `hybrid logical clock out of encodable range at ${ms} ms`);
  }
}
