import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { sourceAliases } from '../scripts/package-entries.mjs';

/**
 * The app's build: `npm run build` writes dist/app, which the Worker serves as static assets (wrangler.toml
 * [assets]). `npm run dev` serves the app with hot reload and forwards /api to a running Worker (`npm start`,
 * or API_URL), so the page and the API share one origin as they do in production.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react()],
  // The app imports the package by name (offline-sync-engine/client, …/client/react), as an app outside this repo
  // does; here each entry point resolves to its source (package.json `exports` lists them), so neither dev nor
  // build needs the package built first. tsconfig.client.json's `paths` do the same for the typechecker.
  resolve: { alias: sourceAliases() },
  build: {
    outDir: fileURLToPath(new URL('../dist/app', import.meta.url)),
    // dist/app is outside the app's root: Vite only empties it when told to.
    emptyOutDir: true,
    // One bundle (~540 kB, ~170 kB gzipped: React, Dexie, zod, Better Auth's client) loaded once and cached;
    // splitting it would only add requests to the first, cache-first paint.
    chunkSizeWarningLimit: 1024,
  },
  server: {
    proxy: { '/api': { target: process.env.API_URL ?? 'http://127.0.0.1:8787' } },
  },
});
