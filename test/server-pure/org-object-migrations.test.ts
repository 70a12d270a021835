import { describe, expect, it } from 'vitest';
import bundle from '../../server/store/org-object/migrations.gen.js';
import { ORG_OBJECT_MIGRATIONS, migrationsModuleState, readMigrationsBundle } from '../../scripts/gen-org-object-migrations.mjs';

/**
 * The org object runs migrations.gen.ts (the SQL inlined), not drizzle-kit's .sql files: this is what keeps the
 * two the same, as the API reports are kept to the built types. After `npx drizzle-kit generate --config
 * drizzle.org-object.config.ts` or an edit of a custom .sql, `node scripts/gen-org-object-migrations.mjs`.
 */
describe('the org object migrations module', () => {
  it('is up to date with server/store/org-object/migrations (regenerate with node scripts/gen-org-object-migrations.mjs)', () => {
    const { expected, actual } = migrationsModuleState(ORG_OBJECT_MIGRATIONS);
    expect(actual).toBe(expected);
  });

  it('is the bundle migrate() reads: the journal, and each entry’s SQL under m<idx>', () => {
    const fromFiles = readMigrationsBundle(ORG_OBJECT_MIGRATIONS.migrations);
    expect(bundle).toEqual(fromFiles);
    expect(Object.keys(bundle.migrations)).toEqual(bundle.journal.entries.map((entry) => `m${String(entry.idx).padStart(4, '0')}`));
  });

  it('refuses a .sql file the journal does not list (migrate would skip it without a word)', () => {
    expect(() => readMigrationsBundle('test/server-pure/fixtures/unjournaled-migrations')).toThrow(/0001_by_hand\.sql not in meta\/_journal\.json/);
  });
});
