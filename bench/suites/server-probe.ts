import { median, type BenchResult } from '../harness.js';
import type { RunningWorker } from '../../test/client/worker-harness.js';
import { DEV_PROXY_DROP } from '../../test/soak/load-scenario.js';
import { startFrozenWorker } from '../../test/soak/load-worker.js';

/**
 * The Node side of the server benches: the Worker under `wrangler dev` through the bench-only entry
 * (server-probe-worker.mts: the real Worker with its D1 binding counted, and the D1 floor), and the pairing the
 * rows are built from.
 */
export const PROBE_SCRIPT = 'bench/suites/server-probe-worker.mts';

/** Frozen (bundled once): a `wrangler dev` reload mid-run would otherwise answer 503 to the requests in flight. */
export const startProbeWorker = (options: Parameters<typeof startFrozenWorker>[1] = {}): Promise<RunningWorker> => startFrozenWorker(PROBE_SCRIPT, options);

/**
 * What reached D1 since the last reset: round trips (`calls`: a batch is one), statements executed, D1's
 * rows_written and rows_read meta.
 */
export interface D1Tally {
  calls: number;
  statements: number;
  batches: number;
  rowsWritten: number;
  rowsRead: number;
}

/**
 * The Worker's tally, with `auth` (the part of it Better Auth sent: the session lookup) and `objects` (what the
 * org objects sent through their own binding: the directory deliveries of `org-objects` storage) apart.
 */
export interface D1Counts extends D1Tally {
  auth: D1Tally;
  objects: D1Tally;
}

/** Reads the counters and resets them. */
export async function takeD1Counts(baseUrl: string): Promise<D1Counts> {
  const res = await fetch(`${baseUrl}/api/__bench/d1-counters`, { method: 'POST' });
  if (!res.ok) throw new Error(`the probe Worker did not answer its counters: ${res.status}`);
  return (await res.json()) as D1Counts;
}

/** Requests wrangler dev's proxy lost on the way to the Worker (see DEV_PROXY_DROP), since the process started. */
export const devProxy = { drops: 0 };

/**
 * Sends a request as the client's transport does: bearer token, JSON body, the headers given. A 503 that
 * wrangler dev's ProxyWorker made up (its connection to the Worker dropped: cloudflare/workers-sdk#14641) is
 * sent again at once, as a client retries a 503 (with the same Idempotency-Key, if any), and counted.
 */
export async function send(baseUrl: string, token: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  for (;;) {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    if (res.status === 503 && text.startsWith(DEV_PROXY_DROP)) {
      devProxy.drops++;
      continue;
    }
    return { status: res.status, replayed: res.headers.get('idempotent-replayed') === 'true', body: text ? (JSON.parse(text) as unknown) : null };
  }
}

/** Percentile of a sample (nearest rank). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

export interface PairedTimes {
  ours: number[];
  baseline: number[];
}

/**
 * Ours and the baseline interleaved, A B then B A (who goes first alternates), after `warmup` pairs thrown away:
 * the load of a shared machine then shifts both halves of a pair together.
 */
export async function interleave(pairs: number, warmup: number, ours: () => Promise<number>, baseline: () => Promise<number>): Promise<PairedTimes> {
  const out: PairedTimes = { ours: [], baseline: [] };
  for (let i = 0; i < warmup + pairs; i++) {
    const oursFirst = i % 2 === 0;
    const a = oursFirst ? await ours() : await baseline();
    const b = oursFirst ? await baseline() : await ours();
    if (i < warmup) continue;
    out.ours.push(oursFirst ? a : b);
    out.baseline.push(oursFirst ? b : a);
  }
  return out;
}

/**
 * A row from interleaved pairs: the medians of each side and the median of the per-pair ratios, with their
 * min-max spread in the note. `ratioOf` states the goal's direction (a speedup, or a slowdown factor).
 */
export function pairedResult(
  name: string,
  unit: string,
  times: PairedTimes,
  ratioOf: (ours: number, baseline: number) => number,
  goal: { text: string; pass: (ratio: number) => boolean },
  note?: string,
): BenchResult {
  const ratios = times.ours.map((o, i) => ratioOf(o, times.baseline[i] as number));
  const ratio = median(ratios);
  const spread = `${ratios.length} pairs, ratio spread ${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}`;
  return {
    name,
    unit,
    value: median(times.ours),
    baseline: median(times.baseline),
    ratio,
    goal: goal.text,
    pass: goal.pass(ratio),
    note: [spread, ...(note ? [note] : [])].join('; '),
  };
}

/** Whole seconds from the environment, or the default (sizes of the quick run vs the full run). */
export function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined ? Number.NaN : Number(raw);
  return Number.isFinite(value) && value > 0 ? value : fallback;
}
