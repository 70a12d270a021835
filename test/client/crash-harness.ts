import type { LockManagerLike } from '../../client/tabs/locks.js';

/**
 * Crashes for client-side tests: a fetch that lets a chosen write through (or not) and then runs a crash, and an
 * in-memory Web Locks that, like a browser, hands a closed or dead tab's sync lock to the next tab in line.
 */

/** Where the crash lands: before the write leaves the device, or after the server committed it. */
export type CrashPoint = 'before-send' | 'after-commit';

export interface PlannedCrash {
  /**
   * Writes (non-GET requests) sent before the one the crash lands in: with one lane at a time each was answered
   * before the next left; with lanes side by side some may still be on the wire when it lands.
   */
  readonly afterWrites: number;
  readonly point: CrashPoint;
  /** What dies: close the engine, abandon its database, kill the Worker... Not awaited by the fetch. */
  readonly crash: () => unknown;
}

export interface WireEntry {
  readonly method: string;
  readonly path: string;
  readonly key: string | null;
  status?: number;
  replayed?: boolean;
  /** Reached the server and committed, but its answer never arrived. */
  lost?: true;
}

/**
 * The wire as a crashing device sees it. Once the planned crash has run, every request fails as a dead
 * tab's would (the crash is usually what stops them anyway).
 */
export class CrashFetch {
  plan: PlannedCrash | null = null;
  crashed = false;
  writes = 0;
  /** Writes sent so far (the crash point counts these). */
  sent = 0;
  readonly log: WireEntry[] = [];

  readonly fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = input instanceof Request ? input : new Request(input, init);
    const entry: WireEntry = { method: request.method, path: new URL(request.url).pathname, key: request.headers.get('idempotency-key') };
    if (this.crashed) throw new TypeError('Failed to fetch');
    const plan = this.plan;
    const isWrite = request.method !== 'GET';
    if (plan && isWrite && this.sent === plan.afterWrites) {
      this.crashed = true;
      this.plan = null;
      if (plan.point === 'after-commit') {
        this.log.push(entry);
        const response = await fetch(request);
        entry.status = response.status;
        entry.lost = true;
      }
      void plan.crash();
      // A closed engine aborted this fetch; a dead tab never sees the answer.
      throw request.signal.aborted ? new DOMException('The operation was aborted.', 'AbortError') : new TypeError('Failed to fetch');
    }
    this.log.push(entry);
    if (isWrite) this.sent++;
    const response = await fetch(request);
    if (isWrite) this.writes++;
    entry.status = response.status;
    entry.replayed = response.headers.get('Idempotent-Replayed') === 'true';
    return response;
  };
}

/**
 * Web Locks with the semantics the engine relies on (exclusive, queued, ifAvailable): a tab holds the sync lock
 * until it releases it, which a closed engine does and which the browser does for a killed tab.
 */
export class TabLocks implements LockManagerLike {
  private readonly held = new Set<string>();
  private readonly queues = new Map<string, (() => void)[]>();

  async request(name: string, options: { mode: 'exclusive'; ifAvailable?: boolean; signal?: AbortSignal }, callback: (lock: unknown) => Promise<void>) {
    if (this.held.has(name)) {
      if (options.ifAvailable) return callback(null);
      await new Promise<void>((resolve, reject) => {
        this.queues.set(name, [...(this.queues.get(name) ?? []), resolve]);
        options.signal?.addEventListener('abort', () => {
          this.queues.set(name, (this.queues.get(name) ?? []).filter((r) => r !== resolve));
          reject(new DOMException('aborted', 'AbortError'));
        });
      });
    }
    this.held.add(name);
    try {
      return await callback({ name });
    } finally {
      this.held.delete(name);
      this.queues.get(name)?.shift()?.();
    }
  }
}

export interface PlannedKill {
  /** Writes answered normally before the one the kill lands in. */
  readonly afterWrites: number;
  /** How long after that write leaves the Worker is killed. */
  readonly afterMs: number;
  /** Kills the Worker (and starts it again); the write's fetch fails once this is done. */
  readonly kill: () => Promise<void>;
}

/**
 * A fetch during which the server dies: the chosen write is sent for real, the Worker is killed `afterMs`
 * later, and the device sees the connection fail (whatever the server did before dying).
 */
export class KillingFetch {
  plan: PlannedKill | null = null;
  writes = 0;
  /** The write the kill landed in ("PATCH /api/..."), and what it got from the dying server. */
  killedDuring: string | null = null;
  outcome: string | null = null;
  /** Settles once the kill (and restart) is over: the client may have given the request up before (its timeout). */
  done: Promise<void> = Promise.resolve();

  readonly fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = input instanceof Request ? input : new Request(input, init);
    const plan = this.plan;
    if (!plan || request.method === 'GET' || this.writes < plan.afterWrites) {
      const response = await fetch(request);
      if (request.method !== 'GET') this.writes++;
      return response;
    }
    this.plan = null;
    this.killedDuring = `${request.method} ${new URL(request.url).pathname}`;
    const answer = fetch(request).then(
      (r) => `was answered ${r.status} before the kill`,
      (e: Error) => `got no answer (${e.message})`,
    );
    this.done = (async () => {
      await new Promise((r) => setTimeout(r, plan.afterMs));
      await plan.kill();
      this.outcome = await answer;
    })();
    await this.done;
    throw new TypeError('Failed to fetch');
  };
}
