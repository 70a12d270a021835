import { ClockDriftError, compareRegisters, createHlc, type Setting } from '../../shared/index.js';

/**
 * An in-memory stand-in for the Worker's user-settings routes (GET and the PATCH merge) with the Worker's rules:
 * the shared LWW order, stamps more than the drift limit ahead of the server's wall clock refused as
 * CLOCK_DRIFT without moving its clock, stale results carrying the winner, and every change since the cursor.
 * Its wall clock is injected, so a test can run simulated real time under devices with skewed clocks.
 * Used where thousands of runs must be cheap; the real Worker is exercised by the integration tests.
 */
export class FakeSettingsServer {
  /** key → register with the change sequence that last wrote it. */
  readonly registers = new Map<string, Setting & { seq: number }>();
  /** PATCH requests received, for counting round trips. */
  merges = 0;
  private seq = 0;
  private readonly hlc;

  constructor(readonly wall: () => number) {
    this.hlc = createHlc({ nodeId: 'fee1fee1fee1fee1', now: wall });
  }

  readonly fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = input instanceof Request ? input : new Request(input, init);
    const url = new URL(request.url);
    if (url.pathname !== '/api/settings') return json(404, { code: 'NOT_FOUND', message: 'no such route', statusCode: 404, timestamp: this.wall() });
    const since = Number(url.searchParams.get('cursor') ?? '0');
    if (request.method === 'GET') return json(200, { items: this.changesSince(since), nextCursor: String(this.seq), hasMore: false, serverTime: this.wall() });
    const body = (await request.json()) as { entries: { key: string; value: unknown; hlc: string }[]; cursor?: string };
    this.merges++;
    const from = Number(body.cursor ?? '0');
    const changes = this.changesSince(from);
    const results = body.entries.map((entry) => {
      try {
        this.hlc.receive(entry.hlc);
      } catch (error) {
        if (!(error instanceof ClockDriftError)) throw error;
        return { key: entry.key, status: 'rejected', code: 'CLOCK_DRIFT', message: error.message };
      }
      const stored = this.registers.get(entry.key);
      if (stored && compareRegisters(entry, stored) <= 0) {
        const { seq: _seq, ...current } = stored;
        return { key: entry.key, status: 'stale', current };
      }
      this.registers.set(entry.key, { key: entry.key, value: entry.value as Setting['value'], hlc: entry.hlc, updatedAt: this.wall(), seq: ++this.seq });
      return { key: entry.key, status: 'applied' };
    });
    return json(200, { results, changes, cursor: String(Math.max(from, this.seq)), hasMore: false, serverHlc: this.hlc.last(), serverTime: this.wall() });
  };

  private changesSince(seq: number): Setting[] {
    return [...this.registers.values()].filter((r) => r.seq > seq).map(({ seq: _seq, ...setting }) => setting);
  }
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}
