import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { atMost, type BenchResult } from '../harness.js';

/**
 * What the client costs an app to ship, as an app's bundler would see it: esbuild `--bundle --minify` (ESM, for
 * the browser), then gzip -9. The entry is the whole public surface: the engine (client/index.ts) and the React
 * hooks (client/react/index.ts).
 * - "engine alone": our code and the shared/ code it uses; React, Dexie, zod, ky and dexie-react-hooks external
 *   (the app ships them anyway or shares them).
 * - "client with its dependencies": everything but React (the app's own).
 * Sizes are deterministic, so one build each; the baselines are the budgets (15 KiB and 60 KiB), and
 * Dexie alone, measured the same way, is in the note as the floor no client on Dexie can go under.
 */
const KIB = 1024;
const ENTRY = "export * from './client/index.ts';\nexport * from './client/react/index.ts';\n";

async function gzippedSize(contents: string, external: string[]): Promise<number> {
  const result = await build({
    stdin: { contents, resolveDir: process.cwd(), loader: 'ts', sourcefile: 'bundle-entry.ts' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    logLevel: 'silent',
    legalComments: 'none',
    // A package name also marks its subpaths external (zod/mini, zod/v4/core).
    external,
  });
  const code = result.outputFiles[0]?.contents;
  if (!code) throw new Error('esbuild produced no output');
  return gzipSync(code, { level: 9 }).length;
}

export async function bundleSizeSuite(): Promise<BenchResult[]> {
  const react = ['react', 'react-dom', 'react/jsx-runtime'];
  const engine = await gzippedSize(ENTRY, [...react, 'dexie', 'dexie-react-hooks', 'zod', 'ky']);
  const whole = await gzippedSize(ENTRY, react);
  const dexie = await gzippedSize("export * from 'dexie';\n", []);
  const floor = `Dexie alone is ${(dexie / KIB).toFixed(1)} KiB`;
  return [
    atMost('bundle: engine alone (min+gzip; react, dexie, zod, ky external) vs 15 KiB budget', 'KiB', engine / KIB, 15, 1),
    atMost('bundle: client with its dependencies (min+gzip; React external) vs 60 KiB budget', 'KiB', whole / KIB, 60, 1, floor),
  ];
}
