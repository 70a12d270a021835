import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { codeEntries, packageName, root } from '../../scripts/package-entries.mjs';
import { filesUnder, importedSpecifiers, isPathSpecifier } from './imports.js';

/**
 * The demo app uses the engine the way an app outside this repo does (DESIGN section 7): through the package's
 * entry points by name (`offline-sync-engine/client`, …), never a relative path out of app/ into client/ or
 * shared/. In this repo those names resolve to the source (app/vite.config.ts aliases, tsconfig.client.json paths).
 */
const appDir = join(root, 'app');
const sources = filesUnder(join(appDir, 'src'), /\.(ts|tsx|mts|js|jsx|mjs)$/);
const entrySpecifiers = new Set(codeEntries().map((entry) => entry.specifier));

describe('the app imports only package entry points', () => {
  it('finds the app sources', () => {
    expect(sources.length).toBeGreaterThan(10);
  });

  it('names no file outside app/ by path', () => {
    const outside = sources.flatMap((file) =>
      importedSpecifiers(file)
        .filter((specifier) => isPathSpecifier(specifier) && relative(appDir, resolve(dirname(file), specifier)).startsWith('..'))
        .map((specifier) => `${relative(root, file)}: ${specifier}`),
    );
    expect(outside, 'import these through the package entry points (package.json exports) instead').toEqual([]);
  });

  it('imports the package only through its exported entry points', () => {
    const deep = sources.flatMap((file) =>
      importedSpecifiers(file)
        .filter((specifier) => (specifier === packageName || specifier.startsWith(`${packageName}/`)) && !entrySpecifiers.has(specifier))
        .map((specifier) => `${relative(root, file)}: ${specifier}`),
    );
    expect(deep, `entry points are ${[...entrySpecifiers].join(', ')}`).toEqual([]);
  });
});
