/**
 * A fetch that can fail the way networks do, one planned fault per request: the request never leaves, the
 * response is lost after the server committed, the request is sent twice, slowed down, or answered by a
 * proxy with a 500 or a 401 that never reached the server.
 */
export type NetFault = 'pass' | 'offline' | 'drop-request' | 'drop-response' | 'duplicate' | 'delay' | '500' | '401';

export class FaultyFetch {
  plan: NetFault[] = [];
  offline = false;
  readonly log: { method: string; path: string; fault: NetFault; status?: number }[] = [];

  readonly fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = input instanceof Request ? input : new Request(input, init);
    const fault: NetFault = this.offline ? 'offline' : (this.plan.shift() ?? 'pass');
    const path = new URL(request.url).pathname;
    const entry: (typeof this.log)[number] = { method: request.method, path, fault };
    this.log.push(entry);
    switch (fault) {
      case 'offline':
      case 'drop-request':
        throw new TypeError('Failed to fetch');
      case '500':
        return new Response('upstream error', { status: 500 });
      case '401':
        return new Response(JSON.stringify({ code: 'AUTH_REQUIRED', message: 'expired', statusCode: 401, timestamp: Date.now() }), {
          status: 401,
          headers: { 'content-type': 'application/json' },
        });
      case 'drop-response': {
        await fetch(request);
        throw new TypeError('connection reset');
      }
      case 'duplicate': {
        const copy = request.clone();
        await fetch(request);
        const second = await fetch(copy);
        entry.status = second.status;
        return second;
      }
      case 'delay':
        await new Promise((r) => setTimeout(r, 150));
        break;
      case 'pass':
        break;
    }
    const response = await fetch(request);
    entry.status = response.status;
    return response;
  };
}
