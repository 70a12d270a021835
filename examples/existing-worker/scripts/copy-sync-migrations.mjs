// Copies the sync engine's migrations from the installed package into this app's migrations directory, after
// the app's own (wrangler applies a directory's files in name order, each once). Run it again after upgrading
// the package: files already applied keep their names, new ones are added.
import { copyFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
// The package exports its SQL as `offline-sync-engine/server/migrations/*.sql`: resolve one to find the folder.
const packageJsonPath = require.resolve('offline-sync-engine/package.json');
const from = join(dirname(packageJsonPath), 'server', 'migrations');
const to = new URL('../migrations/', import.meta.url).pathname;

const files = readdirSync(from).filter((name) => name.endsWith('.sql')).sort();
if (files.length === 0) throw new Error(`no migrations in ${from}: is offline-sync-engine installed?`);
for (const name of files) {
  // 1000_ sorts after the app's own 0000_… files, so the app's Better Auth tables exist first.
  copyFileSync(join(from, name), join(to, `1000_offline-sync-engine_${name}`));
}
console.log(`copied ${files.length} sync engine migrations into migrations/`);
