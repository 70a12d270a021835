import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { codeEntries, root } from '../../scripts/package-entries.mjs';
import { run } from './run-command.js';

/**
 * The package as `npm pack` makes it, for the tests that install it (test/package/tarball.test.ts, the example
 * app's smoke test). dist/ is rebuilt first only when a source is newer than the built entry points: `npm test`
 * has just run `build:package`, so the suite packs what it built instead of building once per test file.
 */
export interface PackedPackage {
  /** Absolute path of the .tgz. */
  readonly tarball: string;
  /** The paths inside the package, sorted. */
  readonly files: string[];
}

/** What the package is built from: a change to any of these makes dist/ stale. */
const SOURCES = ['client', 'shared', 'server', 'testing', 'scripts', 'package.json', 'tsconfig.base.json', 'tsconfig.client.json', 'tsconfig.server.json'];

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

function distIsFresh(): boolean {
  const built = codeEntries().flatMap((entry) => [entry.js, entry.types].map((file) => join(root, file)));
  if (!built.every((file) => existsSync(file))) return false;
  const oldestBuilt = Math.min(...built.map((file) => statSync(file).mtimeMs));
  return SOURCES.every((source) => !existsSync(join(root, source)) || newestMtime(join(root, source)) <= oldestBuilt);
}

/** Builds dist/ if it is missing or stale, then packs the package into `destination`. */
export async function packPackage(destination: string): Promise<PackedPackage> {
  if (!distIsFresh()) await run(process.execPath, ['scripts/build-package.mjs'], root);
  // --ignore-scripts: prepack would build again.
  const packed = JSON.parse(await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', destination], root)) as { filename: string; files: { path: string }[] }[];
  const [result] = packed;
  if (!result) throw new Error('npm pack reported no tarball');
  return { tarball: join(destination, result.filename), files: result.files.map((f) => f.path).sort() };
}
