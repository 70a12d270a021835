// Types for drizzle-kit's generated bundle beside it (migrations.js imports the journal and the .sql files):
// ./worker.ts imports it under wrangler dev, the workers test under vitest-pool-workers.
declare const bundle: {
  journal: { entries: { idx: number; when: number; tag: string; breakpoints: boolean }[] };
  migrations: Record<string, string>;
};
export default bundle;
