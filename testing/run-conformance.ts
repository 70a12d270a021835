import { ConformanceFailure } from './conformance-failure.js';
import { groupOf, type CheckContext, type ConformanceCheck } from './check.js';
import { conformanceChecks } from './checks/index.js';
import { NoAnswerError, formatSent, send, type Transport } from './exchange.js';
import { expectThat } from './expect.js';
import type { CheckResult, ConformanceReport } from './report.js';
import type { ConformanceTarget, ConformanceUser } from './target.js';

export interface ConformanceOptions {
  /** The checks to run; `conformanceChecks` (every check of the kit) by default. */
  readonly checks?: readonly ConformanceCheck[];
  /** Run only these: check ids (`idempotency.replay`) or groups (`idempotency`). */
  readonly only?: readonly string[];
  /** Leave these out: check ids or groups. */
  readonly skip?: readonly string[];
  /** How long one request may take before it counts as unanswered. Default 20 s. */
  readonly requestTimeoutMs?: number;
  /** Called as each check finishes (progress output, say). */
  readonly onResult?: (result: CheckResult) => void;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 20_000;

const matches = (check: ConformanceCheck, names: readonly string[]) => names.includes(check.id) || names.includes(groupOf(check));

/** The checks `options` select, in order. */
export function selectChecks(options: ConformanceOptions = {}): ConformanceCheck[] {
  return (options.checks ?? conformanceChecks).filter(
    (c) => (options.only === undefined || matches(c, options.only)) && !(options.skip !== undefined && matches(c, options.skip)),
  );
}

let runs = 0;

/** Runs one check against the target. Never throws: a failure is a result with its message. */
export async function runCheck(target: ConformanceTarget, check: ConformanceCheck, options: ConformanceOptions = {}): Promise<CheckResult> {
  const transport: Transport = {
    fetch: target.fetch ?? ((request) => fetch(request)),
    baseUrl: target.baseUrl,
    timeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
  };
  const run = `${Date.now().toString(36)}${(runs++).toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  let names = 0;
  const notes: string[] = [];
  const ctx: CheckContext = {
    async user(label) {
      let given: ConformanceUser;
      try {
        given = await target.newUser();
      } catch (error) {
        throw new ConformanceFailure(`setup: target.newUser() to give a signed-in user (${label})`, undefined, error instanceof Error ? error.message : String(error));
      }
      if (given.id !== undefined) return { label, id: given.id, headers: given.headers };
      const me = await send(transport, 'GET', '/me', given.headers);
      const id = (me.json as { user?: { id?: unknown } } | undefined)?.user?.id;
      expectThat(me.status === 200 && typeof id === 'string', `setup: GET /me to answer 200 { user: { id } } for a new user (${label}); or give the id from newUser()`, me);
      return { label, id, headers: given.headers };
    },
    send: (as, method, path, sendOptions) => send(transport, method, path, as?.headers ?? null, sendOptions),
    unique: (prefix) => `${prefix}-${run}-${(names++).toString(36)}`,
    note: (text) => void notes.push(text),
  };
  const started = Date.now();
  const base = { id: check.id, title: check.title, rule: check.rule };
  try {
    await check.run(ctx);
    return { ...base, status: 'passed', notes, durationMs: Date.now() - started };
  } catch (error) {
    return { ...base, status: 'failed', message: failureMessage(error), notes, durationMs: Date.now() - started };
  }
}

/** A failure as the report shows it: ConformanceFailure's own message, or what kept the check from finishing. */
function failureMessage(error: unknown): string {
  if (error instanceof ConformanceFailure) return error.message;
  if (error instanceof NoAnswerError) return `expected: an answer\nfound:    ${error.message}\nsent:     ${formatSent(error.sent).replace(/\n/g, '\n          ')}`;
  return `the check itself threw: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
}

/**
 * Runs the selected checks one after another against the target and reports each. Checks make their own users
 * and data (unique names), so they neither depend on nor disturb each other.
 */
export async function runConformance(target: ConformanceTarget, options: ConformanceOptions = {}): Promise<ConformanceReport> {
  const started = Date.now();
  const results: CheckResult[] = [];
  for (const check of selectChecks(options)) {
    const result = await runCheck(target, check, options);
    results.push(result);
    options.onResult?.(result);
  }
  return {
    ok: results.every((r) => r.status === 'passed'),
    passed: results.filter((r) => r.status === 'passed'),
    failed: results.filter((r) => r.status === 'failed'),
    results,
    durationMs: Date.now() - started,
  };
}
