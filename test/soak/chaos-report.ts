import type { ChaosReport } from './chaos-scenario.js';

/**
 * The run's seed: SOAK_SEED when set (a number replays that run; `random` draws one), else `fallback` when given,
 * else a fresh one. Printed with the report either way.
 */
export function chaosSeed(fallback?: number): number {
  const fromEnv = process.env.SOAK_SEED;
  if (fromEnv === undefined || fromEnv === '') {
    if (fallback !== undefined) return fallback >>> 0;
  } else if (fromEnv !== 'random') {
    const seed = Number(fromEnv);
    if (!Number.isInteger(seed)) throw new Error(`SOAK_SEED must be an integer, got ${fromEnv}`);
    return seed >>> 0;
  }
  return Math.floor(Math.random() * 2 ** 32) >>> 0;
}

/** One readable block: size, seed, duration, faults, what happened, the violations and how to replay. */
export function describeReport(report: ChaosReport, command: string): string {
  const faults = Object.entries(report.faults).map(([k, v]) => `${k} ${v}`).join(', ');
  const actions = Object.entries(report.actions).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${k} ${v}`).join(', ');
  const lines = [
    `chaos ${report.violations.length === 0 ? 'passed' : `FAILED with ${report.violations.length} violation(s)`}: seed ${report.seed}, ${report.engines} engines x ${report.actionsPerEngine} actions, ${report.restarts} Worker restart(s), storage ${report.storage}, ${(report.durationMs / 1000).toFixed(1)} s (drain ${(report.drainMs / 1000).toFixed(1)} s)`,
    `  requests by fate: ${faults}; answered 5xx by the Worker's side: ${report.upstream5xx}`,
    `  ops: ${report.ops.enqueued} queued, ${report.ops.applied} applied (${report.ops.replayed} answered by an idempotent replay), ${report.ops.failedThenDiscarded} failed and discarded, ${report.ops.userRetries} retried by the user; ${report.settingsWrites} settings writes; ${report.wireWrites} writes reached the server`,
    `  actions: ${actions}`,
    ...report.violations.slice(0, 40).map((v) => `  VIOLATION ${v}`),
    ...(report.violations.length > 40 ? [`  … and ${report.violations.length - 40} more`] : []),
    ...(report.traceFiles.length > 0 ? [`  request traces: ${report.traceFiles.join(' ')}`] : []),
    `  replay: SOAK_SEED=${report.seed} ${command}`,
  ];
  return lines.join('\n');
}
