import { defineConfig } from 'drizzle-kit';

// An org object's migrations (issue 19): drizzle-kit's durable-sqlite output (flat .sql files, the journal and a
// migrations.js bundle importing them). `npx drizzle-kit generate --config drizzle.org-object.config.ts`, then
// `node scripts/gen-org-object-migrations.mjs` to inline them into migrations.gen.ts, which the object runs.
export default defineConfig({
  dialect: 'sqlite',
  driver: 'durable-sqlite',
  schema: './server/store/org-object/schema.ts',
  out: './server/store/org-object/migrations',
});
