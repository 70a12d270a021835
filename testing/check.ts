import type { Exchange, SendOptions } from './exchange.js';

/** A user inside a check: signed in, with a known id, named for the messages. */
export interface CheckUser {
  readonly label: string;
  readonly id: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** What a check runs with: users, requests to the target, and unique names. */
export interface CheckContext {
  /** A fresh user from the target (their id from it, or from `GET /me`). */
  user(label: string): Promise<CheckUser>;
  /** One request to `<baseUrl><path>`, as `as` (or with no credentials for `null`). */
  send(as: CheckUser | null, method: string, path: string, options?: SendOptions): Promise<Exchange>;
  /** A name no other check or run uses (the target's data outlives a run). */
  unique(prefix: string): string;
  /** A remark on a passing check, kept in the report (e.g. how often a race was actually provoked). */
  note(text: string): void;
}

/** One rule of the routes contract, checked over HTTP. Checks are data: pick, skip or add your own. */
export interface ConformanceCheck {
  /** `<group>.<name>`, e.g. `idempotency.replay`. */
  readonly id: string;
  readonly title: string;
  /** The contract rule the check enforces, in a sentence or two. */
  readonly rule: string;
  /** Resolves when the routes keep the rule; throws (a ConformanceFailure, normally) when they do not. */
  run(ctx: CheckContext): Promise<void>;
}

/** The group of a check: its id up to the first dot. */
export const groupOf = (check: Pick<ConformanceCheck, 'id'>) => check.id.split('.')[0] ?? check.id;
