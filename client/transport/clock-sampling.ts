import type { HttpClient } from './http-client.js';

/** Whatever keeps the offset to the server's clock (the ClientClock). */
export interface OffsetSampler {
  sample(serverTime: number, sentAt: number, receivedAt: number): unknown;
}

/**
 * Every response whose JSON body carries `serverTime` (pages, merge answers, /api/me) is one measurement of the
 * offset to the server's clock: the decorator reads the device clock around the send and hands the triple to
 * the sampler before the caller sees the body, so stamps received from that body land on a corrected clock.
 * `sampler` is a getter because the clock exists only once the engine's database is open.
 */
export function withClockSampling(http: HttpClient, sampler: () => OffsetSampler | null, now: () => number): HttpClient {
  return {
    refusedToken: http.refusedToken,
    async send(request) {
      const sentAt = now();
      const outcome = await http.send(request);
      if (outcome.kind !== 'response') return outcome;
      const receivedAt = now();
      const serverTime = (outcome.body as { serverTime?: unknown } | null)?.serverTime;
      if (typeof serverTime === 'number') sampler()?.sample(serverTime, sentAt, receivedAt);
      return outcome;
    },
  };
}
