import type { SettingScope } from '../../shared/index.js';

/**
 * What the chaos run remembers of each engine's writes, kept by the test beside the engine (never read back
 * from it): the oracle for "every op applied exactly once or failed with a reason".
 */
export type OpKind =
  | 'project.create'
  | 'project.update'
  | 'project.delete'
  | 'org.member.add'
  | 'org.member.role'
  | 'org.member.remove'
  | 'project.member.add'
  | 'project.member.role'
  | 'project.member.remove';

export interface LedgerEntry {
  /** The op's id: its Idempotency-Key. */
  readonly opId: string;
  readonly engine: number;
  kind: OpKind | 'unknown';
  orgId: string;
  /** The project a project op or project-member op is about. */
  projectId: string | null;
  /** The member a membership op is about. */
  userId: string | null;
  /** How many times the engine reported it applied (must end at exactly 1, or 0 with a failure). */
  applied: number;
  replayed: number;
  /** The codes it failed with, in order (the user may retry a failed op). */
  failures: string[];
  userRetries: number;
  discarded: boolean;
}

/** One settings write through the engine's API, with the register it had seen just before. */
export interface SettingWrite {
  readonly engine: number;
  readonly scope: SettingScope;
  readonly scopeId: string;
  readonly key: string;
  readonly value: unknown;
  readonly hlc: string;
  readonly seenHlc: string | null;
}

export class Ledger {
  readonly ops = new Map<string, LedgerEntry>();
  readonly settings: SettingWrite[] = [];

  entry(opId: string, engine: number): LedgerEntry {
    let entry = this.ops.get(opId);
    if (!entry) {
      entry = { opId, engine, kind: 'unknown', orgId: '', projectId: null, userId: null, applied: 0, replayed: 0, failures: [], userRetries: 0, discarded: false };
      this.ops.set(opId, entry);
    }
    return entry;
  }

  ofEngine(engine: number): LedgerEntry[] {
    return [...this.ops.values()].filter((e) => e.engine === engine);
  }
}

/** A register's identity across engines and the server. */
export const registerId = (scope: SettingScope, scopeId: string, key: string) => `${scope}:${scopeId}:${key}`;
