/** The outcome of one check. */
export interface CheckResult {
  readonly id: string;
  readonly title: string;
  readonly rule: string;
  readonly status: 'passed' | 'failed';
  /** For a failure: what the contract expects, what was sent, what came back. */
  readonly message?: string;
  readonly notes: readonly string[];
  readonly durationMs: number;
}

export interface ConformanceReport {
  /** Every check passed. */
  readonly ok: boolean;
  readonly passed: readonly CheckResult[];
  readonly failed: readonly CheckResult[];
  /** All of them, in the order they ran. */
  readonly results: readonly CheckResult[];
  readonly durationMs: number;
}

/** A plain-text report: one line a check, the failures' messages below. */
export function formatReport(report: ConformanceReport): string {
  const lines = [`routes conformance: ${report.passed.length} passed, ${report.failed.length} failed (${report.durationMs} ms)`];
  for (const r of report.results) {
    lines.push(`  ${r.status === 'passed' ? 'ok  ' : 'FAIL'} ${r.id}: ${r.title}${r.notes.length > 0 ? ` [${r.notes.join('; ')}]` : ''}`);
  }
  for (const r of report.failed) {
    lines.push('', `${r.id}: ${r.title}`, `  rule: ${r.rule}`, ...(r.message ?? '').split('\n').map((l) => `  ${l}`));
  }
  return lines.join('\n');
}
