import { defineConfig } from 'drizzle-kit';

// The spike object's migrations, as drizzle-kit writes them for a Durable Object (`driver: 'durable-sqlite'`
// forces a bundle: migrations/migrations.js importing the .sql files). Regenerate with
// `npx drizzle-kit generate --config test/server/org-object-fixture/drizzle.config.ts`, then update
// migrations.gen.ts (the same bundle with the SQL inlined as strings).
export default defineConfig({
  dialect: 'sqlite',
  driver: 'durable-sqlite',
  schema: './test/server/org-object-fixture/schema.ts',
  out: './test/server/org-object-fixture/migrations',
});
