// Writes migrations.gen.ts beside this file: the spike object's drizzle-kit bundle with every file inlined, by
// the same generator as the org object's (scripts/gen-org-object-migrations.mjs).
// Run: node test/server/org-object-fixture/gen-migrations.mjs
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeMigrationsModule } from '../../../scripts/gen-org-object-migrations.mjs';

const here = dirname(fileURLToPath(import.meta.url));
writeMigrationsModule({ migrations: join(here, 'migrations'), module: join(here, 'migrations.gen.ts') });
