// Bundles the page (page/main.tsx, which imports offline-sync-engine/client and /client/react) into dist/page,
// served by wrangler.toml's [assets].
import { copyFileSync, mkdirSync } from 'node:fs';
import { build } from 'esbuild';

const out = new URL('../dist/page/', import.meta.url).pathname;
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [new URL('../page/main.tsx', import.meta.url).pathname],
  bundle: true,
  format: 'esm',
  splitting: true,
  outdir: out,
  minify: true,
  sourcemap: true,
  target: 'es2022',
  jsx: 'automatic',
  logLevel: 'warning',
});
copyFileSync(new URL('../page/index.html', import.meta.url).pathname, `${out}index.html`);
