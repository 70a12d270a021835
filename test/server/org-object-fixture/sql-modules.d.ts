/**
 * A `.sql` file imported as text: wrangler's default module rules make it one (Text, `**\/*.sql`); whether
 * vitest-pool-workers does is what test/server/org-object-storage.test.ts records.
 */
declare module '*.sql' {
  const text: string;
  export default text;
}
