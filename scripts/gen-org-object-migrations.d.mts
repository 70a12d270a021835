// Types of ./gen-org-object-migrations.mjs for the programs that import it without checking JS (the server's:
// test/server-pure/org-object-migrations.test.ts).
export interface MigrationsBundle {
  journal: { entries: { idx: number; when: number; tag: string; breakpoints: boolean }[] };
  migrations: Record<string, string>;
}
export interface MigrationsTarget {
  migrations: string;
  module: string;
}
export declare const ORG_OBJECT_MIGRATIONS: MigrationsTarget;
export declare function readMigrationsBundle(dir: string): MigrationsBundle;
export declare function renderMigrationsModule(dir: string): string;
export declare function migrationsModuleState(target: MigrationsTarget): { expected: string; actual: string | null };
export declare function writeMigrationsModule(target: MigrationsTarget): void;
