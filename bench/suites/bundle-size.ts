import { relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, type Metafile, type Plugin } from 'esbuild';
import { atMost, reported, type BenchResult } from '../harness.js';

/**
 * What the client costs an app to ship, as an app's bundler would see it: esbuild `--bundle --minify` (ESM, for
 * the browser, code splitting on, as Vite and other app bundlers split at dynamic imports), then gzip -9 per
 * file, as each is served. The entry is the whole public surface: the engine (client/index.ts) and the React
 * hooks (client/react/index.ts).
 * - "engine": our code and the shared/ code it uses; React, Dexie, zod, ky and dexie-react-hooks external
 *   (the app ships them anyway or shares them).
 * - "client with its dependencies": everything but React (the app's own).
 * Each has three figures:
 * - entry: what a page loads before the engine can run, the entry file and every chunk it imports statically;
 *   the budgets (15 KiB, 60 KiB) are on it.
 * - lazy: the chunks only a dynamic import reaches (the leader's runtime: transport, sync cycle, live sockets),
 *   fetched once the tab leads; named in the total row's note.
 * - total: entry plus lazy, what a leading tab ends up loading. Its goal is the old one, the budget as it stood
 *   when it covered the whole client (the budget now covers the entry); the same code in one unsplit file is
 *   in the note, the price of the split (each file's own gzip dictionary, the import glue) is the difference.
 * Sizes are deterministic, so one build each; Dexie alone, measured the same way, is in the note as the floor no
 * client on Dexie can go under.
 */
const KIB = 1024;
const ENTRY = "export * from './client/index.ts';\nexport * from './client/react/index.ts';\n";
const ENTRY_NAME = 'bundle-entry';
const ENGINE_BUDGET = 15;
const WHOLE_BUDGET = 60;

/** Serves ENTRY as a module of its own (esbuild splits only entry points, not stdin). */
const virtualEntry: Plugin = {
  name: 'bundle-entry',
  setup(b) {
    b.onResolve({ filter: new RegExp(`^${ENTRY_NAME}$`) }, () => ({ path: `${ENTRY_NAME}.ts`, namespace: ENTRY_NAME }));
    b.onLoad({ filter: /.*/, namespace: ENTRY_NAME }, () => ({ contents: ENTRY, loader: 'ts', resolveDir: process.cwd() }));
  },
};

const common = { bundle: true, minify: true, format: 'esm', platform: 'browser', write: false, logLevel: 'silent', legalComments: 'none' } as const;

interface Chunk {
  /** 'entry', the module a dynamic import loads, or 'shared chunk'. */
  readonly name: string;
  readonly bytes: number;
}
interface SplitSizes {
  /** gzip bytes of the entry and the chunks it imports statically. */
  readonly entry: number;
  /** Those files one by one (the entry file, then the shared chunks it imports). */
  readonly first: readonly Chunk[];
  readonly lazy: readonly Chunk[];
  readonly total: number;
}

/** The static-import closure of the entry output, by output path. */
function entryClosure(meta: Metafile, entryOutput: string): Set<string> {
  const seen = new Set<string>([entryOutput]);
  const queue = [entryOutput];
  for (let path = queue.pop(); path !== undefined; path = queue.pop()) {
    for (const imported of meta.outputs[path]?.imports ?? []) {
      if (imported.external || imported.kind !== 'import-statement' || seen.has(imported.path)) continue;
      seen.add(imported.path);
      queue.push(imported.path);
    }
  }
  return seen;
}

async function splitSizes(external: string[]): Promise<SplitSizes> {
  const outdir = 'bundle-size-out';
  // A package name also marks its subpaths external (zod/mini, zod/v4/core).
  const result = await build({ ...common, entryPoints: [ENTRY_NAME], plugins: [virtualEntry], splitting: true, outdir, metafile: true, external });
  const outputs = Object.entries(result.metafile.outputs).filter(([path]) => path.endsWith('.js'));
  const entryOutput = outputs.find(([, output]) => output.entryPoint === `${ENTRY_NAME}:${ENTRY_NAME}.ts`)?.[0];
  if (!entryOutput) throw new Error('esbuild produced no entry chunk');
  const first = entryClosure(result.metafile, entryOutput);
  const gzipped = (path: string) => {
    const file = result.outputFiles.find((f) => relative(process.cwd(), f.path) === path);
    if (!file) throw new Error(`esbuild reported ${path} but wrote no such file`);
    return gzipSync(file.contents, { level: 9 }).length;
  };
  const loaded: Chunk[] = [];
  const lazy: Chunk[] = [];
  for (const [path, output] of outputs) {
    // A chunk without an entry point holds modules shared by several (its file name is a content hash).
    const chunk = { name: path === entryOutput ? 'entry' : (output.entryPoint ?? 'shared chunk'), bytes: gzipped(path) };
    (first.has(path) ? loaded : lazy).push(chunk);
  }
  const sum = (chunks: readonly Chunk[]) => chunks.reduce((total, c) => total + c.bytes, 0);
  return { entry: sum(loaded), first: loaded, lazy, total: sum(loaded) + sum(lazy) };
}

/** The same surface as one file, no splitting (how it was measured before the engine loaded anything on demand). */
async function unsplitSize(contents: string, external: string[]): Promise<number> {
  const result = await build({ ...common, stdin: { contents, resolveDir: process.cwd(), loader: 'ts', sourcefile: `${ENTRY_NAME}.ts` }, external });
  const code = result.outputFiles[0]?.contents;
  if (!code) throw new Error('esbuild produced no output');
  return gzipSync(code, { level: 9 }).length;
}

const kib = (bytes: number) => `${(bytes / KIB).toFixed(1)} KiB`;
const list = (chunks: readonly Chunk[]) => chunks.map((c) => `${c.name} ${kib(c.bytes)}`).join(', ') || 'none';
const entryNote = (split: SplitSizes) => `files loaded first: ${list(split.first)}`;
const totalNote = (split: SplitSizes) => `lazy chunks: ${list(split.lazy)}; the ratio is what splitting costs in all (each chunk gzipped alone, imports between chunks)`;

export async function bundleSizeSuite(): Promise<BenchResult[]> {
  const react = ['react', 'react-dom', 'react/jsx-runtime'];
  const engineExternal = [...react, 'dexie', 'dexie-react-hooks', 'zod', 'ky'];
  const engine = await splitSizes(engineExternal);
  const engineUnsplit = await unsplitSize(ENTRY, engineExternal);
  const whole = await splitSizes(react);
  const wholeUnsplit = await unsplitSize(ENTRY, react);
  const dexie = await unsplitSize("export * from 'dexie';\n", []);
  const floor = `Dexie alone is ${kib(dexie)}`;
  return [
    atMost('bundle: engine entry a page loads first (min+gzip; react, dexie, zod, ky external) vs 15 KiB budget', 'KiB', engine.entry / KIB, ENGINE_BUDGET, 1, entryNote(engine)),
    reported('bundle: engine total, entry + lazy chunks (same externals) vs the same code unsplit', 'KiB', engine.total / KIB, engineUnsplit / KIB, totalNote(engine)),
    atMost('bundle: client entry with its dependencies (min+gzip; React external) vs 60 KiB budget', 'KiB', whole.entry / KIB, WHOLE_BUDGET, 1, `${entryNote(whole)}; ${floor}`),
    reported('bundle: client total with its dependencies, entry + lazy chunks, vs the same code unsplit', 'KiB', whole.total / KIB, wholeUnsplit / KIB, totalNote(whole)),
  ];
}
