import { isolateMarker } from './isolate-marker.js';
import bundle from './migrations.gen.js';
// drizzle-kit's own bundle and the .sql files, imported as wrangler imports them (its default rule: Text).
import kitBundle from './migrations/migrations.js';
import m0000 from './migrations/0000_spike_init.sql';
import m0001 from './migrations/0001_seed_meta.sql';
import type { SpikeBareObject, SpikeObject } from './spike-object.js';

export { SpikeBareObject, SpikeObject } from './spike-object.js';

/**
 * The spike's test-only Worker under `wrangler dev` (./wrangler.toml; never deployed): HTTP → this Worker → RPC
 * to the spike object, for test/client/org-object-durability.integration.test.ts (durability through a SIGKILL,
 * RPC latency, module state, `.sql` imports under wrangler).
 */
interface SpikeEnv {
  SPIKE_OBJECT: DurableObjectNamespace<SpikeObject>;
  SPIKE_BARE: DurableObjectNamespace<SpikeBareObject>;
}

function p50(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

export default {
  async fetch(request: Request, env: SpikeEnv): Promise<Response> {
    const url = new URL(request.url);
    const q = url.searchParams;
    const stub = env.SPIKE_OBJECT.getByName(q.get('object') ?? 'durability');
    switch (`${request.method} ${url.pathname}`) {
      case 'GET /api/health':
        return Response.json({ ok: true });
      case 'POST /write':
        return Response.json(await stub.writePair(q.get('k') ?? '', Number(q.get('spin') ?? 0)));
      case 'GET /pairs':
        return Response.json(await stub.pairs());
      case 'GET /describe':
        return Response.json(await stub.describe());
      case 'GET /sql-import':
        return Response.json({
          sqlMatchesGen: m0000 === bundle.migrations.m0000 && m0001 === bundle.migrations.m0001,
          kitBundleMatchesGen: JSON.stringify(kitBundle) === JSON.stringify(bundle),
        });
      case 'GET /ping':
        return Response.json(1);
      case 'GET /ping-object':
        return Response.json(await stub.ping());
      case 'GET /rpc-latency': {
        // Inside the Worker, the clock moves only across I/O: each awaited RPC is I/O, so each sample is real.
        const samples: number[] = [];
        for (let i = 0, n = Number(q.get('n') ?? 200); i < n; i++) {
          const start = performance.now();
          await stub.ping();
          samples.push(performance.now() - start);
        }
        return Response.json({ p50: p50(samples), max: Math.max(...samples) });
      }
      case 'POST /bench': {
        const n = Number(q.get('n') ?? 2000);
        const prefix = q.get('prefix') ?? 'bench';
        let start = performance.now();
        await stub.ping();
        const emptyMs = performance.now() - start;
        start = performance.now();
        const rows = await stub.benchInserts(prefix, n);
        const bareMs = performance.now() - start - emptyMs;
        start = performance.now();
        await stub.benchDialectInserts(prefix, n);
        const dialectMs = performance.now() - start - emptyMs;
        start = performance.now();
        await stub.benchDrizzleInserts(prefix, n);
        const drizzleMs = performance.now() - start - emptyMs;
        return Response.json({ rows, bareMs, dialectMs, drizzleMs });
      }
      case 'GET /marker':
        return Response.json({ same: isolateMarker() === (await stub.isolateMarker()) });
      case 'GET /throw':
        try {
          await stub.throwRich();
          return Response.json({ threw: false });
        } catch (error) {
          const e = error as Error & Record<string, unknown>;
          return Response.json({
            isError: error instanceof Error,
            name: e.name,
            message: e.message,
            ownKeys: Object.getOwnPropertyNames(error).filter((k) => k !== 'stack').sort(),
            code: e.code ?? null,
            status: e.status ?? null,
            details: e.details ?? null,
            remote: e.remote ?? null,
          });
        }
      case 'GET /bare':
        return Response.json({
          id: env.SPIKE_BARE.idFromName(q.get('name') ?? '').toString(),
          value: q.get('read') === '1' ? await env.SPIKE_BARE.getByName(q.get('name') ?? '').read() : await env.SPIKE_BARE.getByName(q.get('name') ?? '').ping(),
        });
      default:
        return new Response('not found', { status: 404 });
    }
  },
} satisfies ExportedHandler<SpikeEnv>;
