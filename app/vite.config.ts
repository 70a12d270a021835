import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The app's build: `npm run build` writes dist/app, which the Worker serves as static assets (wrangler.toml
 * [assets]). `npm run dev` serves the app with hot reload and forwards /api to a running Worker (`npm start`,
 * or API_URL), so the page and the API share one origin as they do in production.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react()],
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
