import { defineConfig } from 'drizzle-kit';

// `npx drizzle-kit generate` writes flat .sql files that `wrangler d1 migrations apply` reads.
export default defineConfig({
  dialect: 'sqlite',
  schema: './server/db/schema.ts',
  out: './server/migrations',
});
