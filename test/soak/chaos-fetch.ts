import type { Rng } from './chaos-random.js';

/**
 * A seeded chaos network for one engine, beside test/client/faulty-fetch.ts (which plays a fixed plan): every
 * request draws its fate. About 10% never leave, 10% reach the server and lose their answer after it committed,
 * 5% are sent twice (the copy often later, after newer requests: a reorder), 5% are answered 500 by a "proxy"
 * that never forwarded them, 15% are held back first (requests of other engines overtake them). `offline`
 * fails everything at once. A Worker that is down refuses connections on its own.
 *
 * Every request that reached the server and got an answer is recorded as a wire exchange, whether or not the
 * engine saw that answer: the oracle the run's checks compare the engines' ledgers and the server against.
 */
/** What the chaos drew for a request, and what the Worker did to it (refused while down, broke while killed). */
export const FAULTS = ['pass', 'drop-request', 'drop-response', 'duplicate', '500', 'delay', 'offline', 'refused', 'broken'] as const;
export type Fault = (typeof FAULTS)[number];

export interface ChaosRates {
  readonly dropRequest: number;
  readonly dropResponse: number;
  readonly duplicate: number;
  readonly error500: number;
  readonly delay: number;
}

export const DEFAULT_RATES: ChaosRates = { dropRequest: 0.1, dropResponse: 0.1, duplicate: 0.05, error500: 0.05, delay: 0.15 };

/** One request that reached the server, and the server's answer (seen by the engine or not). */
export interface WireExchange {
  readonly engine: number;
  readonly method: string;
  readonly path: string;
  /** The Idempotency-Key (an op's id), when the request carried one. */
  readonly key: string | null;
  /** Parsed JSON body of writes (null for reads). */
  readonly body: unknown;
  /** null: the connection broke before an answer (the Worker was killed mid-request): outcome unknown. */
  readonly status: number | null;
  readonly replayed: boolean;
  /** Parsed JSON answer of writes (null for reads). */
  readonly response: unknown;
  /** Whether the engine got this answer (false: dropped by the chaos, or a background duplicate). */
  readonly delivered: boolean;
  readonly at: number;
}

export class ChaosFetch {
  offline = false;
  /** No faults at all (the final drain): the network is healthy again. */
  quiet = false;
  readonly faults: Record<Fault, number> = Object.fromEntries(FAULTS.map((f) => [f, 0])) as Record<Fault, number>;
  /**
   * Answers of 500 or more that came from the Worker's side, not from the chaos (wrangler dev's proxy answers
   * some requests 503 under load): counted, since a pull that met one left its collection stale until retried.
   */
  upstream5xx = 0;
  /**
   * Every request this engine made and what came of it, one line each (pages as their items' keys and
   * versions, writes as their key and answer), with the engine's own events: written to a file when the run
   * fails, so a miss can be followed through the requests that led to it.
   */
  readonly trace: string[] = [];
  private readonly traceStart = Date.now();

  note(line: string): void {
    this.trace.push(`${((Date.now() - this.traceStart) / 1000).toFixed(3)} ${line}`);
  }
  private readonly background = new Set<Promise<unknown>>();

  constructor(
    private readonly engine: number,
    private readonly rng: Rng,
    private readonly wire: WireExchange[],
    private readonly rates: ChaosRates = DEFAULT_RATES,
  ) {}

  /** Resolves once every background duplicate has landed (or failed). */
  async settled(): Promise<void> {
    while (this.background.size > 0) await Promise.allSettled([...this.background]);
  }

  private draw(): Fault {
    if (this.offline) return 'offline';
    if (this.quiet) return 'pass';
    const r = this.rates;
    let roll = this.rng();
    for (const [fault, p] of [['drop-request', r.dropRequest], ['drop-response', r.dropResponse], ['duplicate', r.duplicate], ['500', r.error500], ['delay', r.delay]] as const) {
      if (roll < p) return fault;
      roll -= p;
    }
    return 'pass';
  }

  readonly fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = input instanceof Request ? input : new Request(input, init);
    const fault = this.draw();
    // Drawn now, used later: the stream's order does not depend on how long a request takes.
    const holdMs = this.rng.int(5, 120);
    const copyDelayMs = this.rng.int(0, 400);
    this.faults[fault]++;
    switch (fault) {
      case 'offline':
      case 'drop-request':
        this.note(`${fault} ${request.method} ${describeUrl(request.url)}`);
        throw new TypeError('Failed to fetch');
      case '500':
        this.note(`500 ${request.method} ${describeUrl(request.url)}`);
        return new Response('upstream error', { status: 500 });
      case 'delay':
        await sleep(holdMs);
        return this.forward(request, true);
      case 'drop-response':
        await this.forward(request, false);
        throw new TypeError('connection reset');
      case 'duplicate': {
        const copy = request.clone();
        const first = await this.forward(request, true);
        // The copy goes out later, often after newer requests of this engine: a replay out of order.
        const late = sleep(copyDelayMs).then(() => this.forward(copy, false));
        this.background.add(late);
        void late.catch(() => undefined).finally(() => this.background.delete(late));
        return first;
      }
      default:
        return this.forward(request, true);
    }
  };

  /** Sends one request to the Worker and records the exchange; `delivered`: the engine sees the answer. */
  private async forward(request: Request, delivered: boolean): Promise<Response> {
    const method = request.method;
    const url = new URL(request.url);
    const write = method !== 'GET';
    const body = write ? parseJson(await request.clone().text()) : null;
    const key = request.headers.get('idempotency-key');
    let response: Response;
    try {
      response = await fetch(request);
    } catch (error) {
      const code = (error as { cause?: { code?: string } }).cause?.code;
      this.note(`${delivered ? '' : 'undelivered '}${method} ${describeUrl(request.url)} -> ${code ?? String(error)}`);
      // Refused: the Worker is down, nothing reached it. Anything else (a reset while it was killed mid-request):
      // it may have committed, so the exchange is recorded with an unknown outcome.
      const refused = code === 'ECONNREFUSED';
      this.faults[refused ? 'refused' : 'broken']++;
      if (write && !refused) this.wire.push({ engine: this.engine, method, path: url.pathname, key, body, status: null, replayed: false, response: null, delivered: false, at: Date.now() });
      throw error;
    }
    if (response.status >= 500) this.upstream5xx++;
    const answer = write || method === 'GET' ? parseJson(await response.clone().text()) : null;
    const replayed = response.headers.get('idempotent-replayed') === 'true';
    this.note(`${delivered ? '' : 'undelivered '}${method} ${describeUrl(request.url)}${key ? ` key=${key}` : ''} -> ${response.status}${replayed ? ' replayed' : ''} ${describeBody(answer)}`);
    if (write) {
      this.wire.push({
        engine: this.engine,
        method,
        path: url.pathname,
        key,
        body,
        status: response.status,
        replayed,
        response: answer,
        delivered,
        at: Date.now(),
      });
    }
    if (!delivered) await response.body?.cancel();
    return response;
  }
}

/** A URL for the trace: path and query, with a cursor shown as the position it holds. */
function describeUrl(url: string): string {
  const u = new URL(url);
  const cursor = u.searchParams.get('cursor');
  u.searchParams.delete('cursor');
  return `${u.pathname}${u.search}${cursor ? ` from ${cursorPosition(cursor)}` : ''}`;
}

function cursorPosition(cursor: string): string {
  try {
    const payload = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { s?: number; k?: string; e?: number };
    return `seq ${payload.s}/${payload.k ?? ''} (epoch ${payload.e})`;
  } catch {
    return 'an unreadable cursor';
  }
}

/** A page as `key@version` per item (`†` a tombstone) and where it ends; any other body as short JSON. */
function describeBody(body: unknown): string {
  const page = body as { items?: Record<string, unknown>[]; nextCursor?: string; hasMore?: boolean } | null;
  if (page && Array.isArray(page.items) && typeof page.nextCursor === 'string') {
    const items = page.items.map((item) => {
      const key = item.id ?? item.key ?? `${String(item.projectId ?? item.orgId)}/${String(item.userId)}`;
      return `${String(key)}@${String(item.version ?? item.hlc)}${item.deletedAt !== null && item.deletedAt !== undefined ? '†' : ''}`;
    });
    return `[${items.join(' ')}] next ${cursorPosition(page.nextCursor)}${page.hasMore ? ' hasMore' : ''}`;
  }
  const text = JSON.stringify(body) ?? '';
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

function parseJson(text: string): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
