// The package's entry points. package.json `exports` is the one list: the package build, the app's aliases
// (app/vite.config.ts), the API reports and the tarball test all read it from here, so an entry is added by
// adding its line to `exports`.
//
// An entry whose value is { types, default } is code: `./dist/X.js` is built from the source `X.ts` (or `X.tsx`)
// and `types` must be `./dist/X.d.ts`. An entry whose value is a string is shipped as it is (the migrations SQL).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const packageJson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
/** @type {string} */
export const packageName = packageJson.name;

/**
 * @typedef {object} CodeEntry
 * @property {string} subpath the key in `exports`, e.g. `./client/react`
 * @property {string} specifier what an app imports, e.g. `offline-sync-engine/client/react`
 * @property {string} name a file-name form of the subpath, e.g. `client-react` (API report names)
 * @property {string} js the built module, relative to the package root, e.g. `dist/client/react/index.js`
 * @property {string} types its declarations, e.g. `dist/client/react/index.d.ts`
 * @property {string} source the source file it is built from, e.g. `client/react/index.ts`
 */

/** @param {string} path */
const bare = (path) => path.replace(/^\.\//, '');

/**
 * The code entries of `exports`, in its order. Throws for an entry whose shape is not the one above, and
 * (unless `allowMissing`) for one whose source file does not exist: an entry is never skipped quietly.
 * @param {{ allowMissing?: boolean }} [options]
 * @returns {CodeEntry[]}
 */
export function codeEntries({ allowMissing = false } = {}) {
  /** @type {Record<string, unknown>} */
  const exportsField = packageJson.exports ?? {};
  /** @type {CodeEntry[]} */
  const entries = [];
  const missing = [];
  for (const [subpath, target] of Object.entries(exportsField)) {
    if (typeof target === 'string') continue;
    const { types, default: main, ...rest } = /** @type {Record<string, unknown>} */ (target);
    if (typeof types !== 'string' || typeof main !== 'string' || Object.keys(rest).length > 0) {
      throw new Error(`package.json exports["${subpath}"] must be { "types": "./dist/….d.ts", "default": "./dist/….js" }`);
    }
    const js = bare(main);
    const stem = /^dist\/(.+)\.js$/.exec(js)?.[1];
    if (stem === undefined) throw new Error(`package.json exports["${subpath}"].default must be a .js file under ./dist, got ${main}`);
    if (bare(types) !== `dist/${stem}.d.ts`) throw new Error(`package.json exports["${subpath}"].types must be ./dist/${stem}.d.ts, got ${types}`);
    const source = [`${stem}.ts`, `${stem}.tsx`].find((candidate) => existsSync(join(root, candidate)));
    if (source === undefined) missing.push(`${subpath} (from ${stem}.ts)`);
    const name = bare(subpath).replaceAll('/', '-') || 'index';
    entries.push({ subpath, specifier: join(packageName, subpath).replaceAll('\\', '/'), name, js, types: bare(types), source: source ?? `${stem}.ts` });
  }
  if (missing.length > 0 && !allowMissing) {
    throw new Error(`package.json exports names entries whose source file does not exist: ${missing.join(', ')}`);
  }
  return entries;
}

/**
 * The file entries of `exports` (string values such as `./server/migrations/*`), shipped as they are.
 * @returns {{ subpath: string, target: string }[]}
 */
export function fileEntries() {
  return Object.entries(packageJson.exports ?? {})
    .filter(/** @returns {entry is [string, string]} */ (entry) => typeof entry[1] === 'string')
    .map(([subpath, target]) => ({ subpath, target: bare(target) }));
}

/**
 * Each code entry's import specifier mapped to its source file (absolute), for a bundler alias: this repo's
 * app imports the package by name and runs on the source, no package build needed.
 * @returns {{ find: RegExp, replacement: string }[]}
 */
export function sourceAliases() {
  const escape = (/** @type {string} */ s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  return codeEntries().map((entry) => ({ find: new RegExp(`^${escape(entry.specifier)}$`), replacement: join(root, entry.source) }));
}
