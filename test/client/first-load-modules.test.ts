import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

/**
 * Which modules a page loads before its tab leads, as an app's bundler splits the client (esbuild, code
 * splitting, as bench/suites/bundle-size.ts measures it): the entry points' static-import closure. What only the
 * leader runs is reached through the one dynamic import (load-leader-runtime.ts), so none of it may be in there;
 * a static import of one of these from the first-load path fails here before it shows in the byte budget.
 */
const LEADER_ONLY = [
  'client/engine/leader-runtime.ts',
  'client/outbox/replay-loop.ts',
  'client/outbox/replay-store.ts',
  'client/outbox/server-rows.ts',
  'client/outbox/group-blocker.ts',
  'client/pull/pull-plan.ts',
  'client/settings/settings-sync.ts',
  'client/transport/http-client.ts',
  // shared/ modules only the pull, the settings push and the error classification use (not the barrel).
  'shared/schemas/page.ts',
  'shared/schemas/settings.ts',
  'shared/schemas/error-body.ts',
];
/** What an optimistic write needs: it must stay on the first-load path (or the check above proves nothing). */
const FIRST_LOAD = ['client/outbox/outbox-store.ts', 'client/outbox/op-group.ts', 'client/entities/write-context.ts'];

async function firstLoadModules(): Promise<Set<string>> {
  const external = ['react', 'react-dom', 'react/jsx-runtime', 'dexie', 'dexie-react-hooks', 'zod', 'ky'];
  const entryPoints = ['client/index.ts', 'client/react/index.ts'];
  const { metafile } = await build({
    entryPoints,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    splitting: true,
    outdir: 'first-load-out',
    write: false,
    metafile: true,
    logLevel: 'silent',
    external,
  });
  const entries = Object.keys(metafile.outputs).filter((path) => entryPoints.includes(metafile.outputs[path]!.entryPoint ?? ''));
  expect(entries).toHaveLength(entryPoints.length);
  const seen = new Set(entries);
  const queue = [...entries];
  for (let path = queue.pop(); path !== undefined; path = queue.pop()) {
    for (const imported of metafile.outputs[path]?.imports ?? []) {
      if (imported.external || imported.kind !== 'import-statement' || seen.has(imported.path)) continue;
      seen.add(imported.path);
      queue.push(imported.path);
    }
  }
  return new Set([...seen].flatMap((path) => Object.keys(metafile.outputs[path]!.inputs)));
}

describe('the modules a page loads first', () => {
  it('hold the optimistic write and none of what only the leading tab runs', async () => {
    const modules = await firstLoadModules();
    expect(FIRST_LOAD.filter((m) => !modules.has(m))).toEqual([]);
    expect(LEADER_ONLY.filter((m) => modules.has(m))).toEqual([]);
  });
});
