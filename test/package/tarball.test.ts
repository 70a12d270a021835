import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiReports, reportDifference } from '../../scripts/api-report.mjs';
import { entryPrograms, PROGRAMS } from '../../scripts/build-package.mjs';
import { fileEntries, packageJson, packageName, root } from '../../scripts/package-entries.mjs';
import { filesUnder, importedSpecifiers, isPathSpecifier, packageOf } from './imports.js';
import { packPackage } from './packed-package.js';
import { run } from './run-command.js';

/**
 * The package as an app gets it: build (npm run build:package), `npm pack`, install the tarball with its peers
 * into an empty project, and typecheck a file that imports every entry point, under moduleResolution bundler and
 * node16, skipLibCheck off. The same tarball goes through publint and arethetypeswrong, and the built
 * declarations through API Extractor against the committed reports (api/*.api.md).
 *
 * Entries come from package.json `exports`; each is checked in the program(s) whose tsconfig includes its source
 * (scripts/build-package.mjs PROGRAMS), with that program's lib and ambient types. USAGE adds a few typed uses per
 * entry on top of the `import * as` every entry gets.
 */
const USAGE: Record<string, string> = {
  './client': `
import { createSyncEngine, SyncClientError, type SyncEngine, type SyncEngineOptions, type SyncStatus } from '${packageName}/client';
const options: SyncEngineOptions = { baseUrl: 'https://app.example', userId: 'u1', getToken: () => 'token' };
export const engine: SyncEngine = createSyncEngine(options);
export const pending = (status: SyncStatus): number => status.pendingCount;
export const isClientError = (error: unknown): boolean => error instanceof SyncClientError;
`,
  './client/react': `
import { SyncProvider, useSetting, type OutboxView } from '${packageName}/client/react';
export const provider: typeof SyncProvider = SyncProvider;
export const theme = (): string | null | undefined => useSetting<string>('theme')[0];
export const failedOps = (view: OutboxView): number => view.failed.length;
`,
  './shared': `
import { compareHlc, createHlc, isErrorCode, type ErrorCode, type Org } from '${packageName}/shared';
const stamp: string = createHlc({ nodeId: 'n' }).next();
export const order: -1 | 0 | 1 = compareHlc(stamp, stamp);
export const code = (value: unknown): ErrorCode | null => (isErrorCode(value) ? value : null);
export const orgName = (org: Org): string => org.name;
`,
};

/** Dependencies of an entry point not yet in `exports`: the server's (server/index.ts is being written). */
const AWAITING_ENTRY: Record<string, string> = { '@hono/zod-validator': './server' };

const RESOLUTIONS = {
  bundler: { module: 'ESNext', moduleResolution: 'Bundler' },
  node16: { module: 'Node16', moduleResolution: 'Node16' },
};

/**
 * Packages whose own declarations do not typecheck with skipLibCheck off, whatever imports them: their errors
 * (in their own files only) are tolerated. Errors anywhere else, in this package's declarations above all, fail.
 */
const THIRD_PARTY_TYPE_ERRORS: Record<string, string> = {
  'drizzle-orm': 'its declarations for drivers the app does not use (gel, mysql, singlestore, @miniflare/d1) need packages it does not depend on',
};

/** Runs tsc on one consumer config; returns '' when it passes, or what failed (tolerated errors left out). */
async function typecheck(typescript: string, tsconfig: string): Promise<string> {
  try {
    await run(process.execPath, [typescript, '-p', tsconfig, '--pretty', 'false'], consumer());
    return '';
  } catch (error) {
    // run() puts the command's stdout and stderr in its error's message.
    const output = error instanceof Error ? error.message : String(error);
    const errors = output.split('\n').filter((line) => /^\S.*\(\d+,\d+\): error TS\d+/.test(line));
    const own = errors.filter((line) => {
      const thirdParty = /^node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(line)?.[1];
      return thirdParty === undefined || thirdParty === packageName || !(thirdParty in THIRD_PARTY_TYPE_ERRORS);
    });
    if (errors.length === 0) return `${tsconfig}: tsc failed without a type error:\n${output}`;
    return own.length > 0 ? `${tsconfig}:\n${own.join('\n')}` : '';
  }
}

const devVersion = (name: string): string => {
  const version = packageJson.devDependencies?.[name];
  if (typeof version !== 'string') throw new Error(`${name} must be a devDependency of the repo (the tarball test installs that version)`);
  return version;
};

const planned = entryPrograms();
const usedPrograms = PROGRAMS.filter((program) => planned.some((p) => p.programs.includes(program)));
let work = '';
let tarball = '';
let packedFiles: string[] = [];
const consumer = () => join(work, 'consumer');

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'ose-package-'));
  ({ tarball, files: packedFiles } = await packPackage(work));

  mkdirSync(consumer());
  writeFileSync(join(consumer(), 'package.json'), `${JSON.stringify({ name: 'consumer', private: true, type: 'module' }, null, 2)}\n`);
  // The peers at the versions this repo is tested with, and the ambient types the used programs need.
  const peers = Object.keys(packageJson.peerDependencies ?? {});
  const ambient = usedPrograms.flatMap((program) => program.types);
  const installs = [...new Set([...peers, ...ambient])].map((name) => `${name}@${devVersion(name)}`);
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', tarball, ...installs], consumer());
}, 300_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

// The node project's 30 s default is too short for typechecking the server's declarations (Better Auth's types).
describe('the packed package', { timeout: 240_000 }, () => {
  it('holds the built entry points, the migrations SQL, package.json and the README, and nothing else', () => {
    const allowed = [/^dist\/.+\.(js|d\.ts)$/, /^server\/migrations\/[^/]+\.sql$/, /^package\.json$/, /^README\.md$/i, /^LICEN[CS]E(\.\w+)?$/i];
    expect(packedFiles.filter((path) => !allowed.some((pattern) => pattern.test(path)))).toEqual([]);
    expect(packedFiles.filter((path) => /^(test|app|bench|scripts|api|dist\/app)\//.test(path))).toEqual([]);
    // dist/ in the tarball is exactly what the package build wrote (no leftover of an entry since removed).
    const built = filesUnder(join(root, 'dist'), /./)
      .map((file) => relative(root, file))
      .filter((path) => !path.startsWith('dist/app/'));
    expect(packedFiles.filter((path) => path.startsWith('dist/'))).toEqual(built.sort());
    for (const { entry } of planned) expect(packedFiles).toEqual(expect.arrayContaining([entry.js, entry.types]));
    const migrations = readdirSync(join(root, 'server', 'migrations')).filter((name) => name.endsWith('.sql'));
    expect(migrations.length).toBeGreaterThan(0);
    expect(packedFiles).toEqual(expect.arrayContaining(migrations.map((name) => `server/migrations/${name}`)));
    for (const { subpath, target } of fileEntries()) {
      const pattern = new RegExp(`^${target.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace('*', '[^/]+')}$`);
      expect(packedFiles.some((path) => pattern.test(path)), `exports["${subpath}"] matches no packed file`).toBe(true);
    }
  });

  it('imports at run time only its dependencies and peers, and uses every dependency', () => {
    const dependencies = Object.keys(packageJson.dependencies ?? {});
    const allowed = new Set([...dependencies, ...Object.keys(packageJson.peerDependencies ?? {})]);
    const imported = new Set<string>();
    for (const path of packedFiles.filter((p) => /\.(js|d\.ts)$/.test(p))) {
      for (const specifier of importedSpecifiers(join(root, path))) {
        // scheme: modules (cloudflare:workers, node:…) come with the runtime.
        if (!isPathSpecifier(specifier) && !/^[a-z]+:/.test(specifier)) imported.add(packageOf(specifier));
      }
    }
    // React's types come from @types/react (an optional peer).
    expect([...imported].filter((name) => !allowed.has(name) && !allowed.has(`@types/${name}`)).sort()).toEqual([]);
    // A dependency only an entry still to come imports is excused until that entry is in `exports`.
    const subpaths = new Set(planned.map((p) => p.entry.subpath));
    const unused = dependencies.filter((name) => !imported.has(name) && !(name in AWAITING_ENTRY && !subpaths.has(AWAITING_ENTRY[name]!)));
    expect(unused).toEqual([]);
  });

  it('typechecks in an app that imports every entry point (bundler and node16 resolution, skipLibCheck off)', async () => {
    const typescript = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const checks: Promise<string>[] = [];
    for (const program of usedPrograms) {
      const entries = planned.filter((p) => p.programs.includes(program)).map((p) => p.entry);
      const source = [
        ...entries.map((entry, i) => `import * as entry${i} from '${entry.specifier}';`),
        `export const entries = [${entries.map((_, i) => `entry${i}`).join(', ')}];`,
        ...entries.map((entry) => USAGE[entry.subpath] ?? ''),
      ].join('\n');
      writeFileSync(join(consumer(), `${program.name}.ts`), source);
      for (const [mode, resolution] of Object.entries(RESOLUTIONS)) {
        const tsconfig = `tsconfig.${program.name}.${mode}.json`;
        const compilerOptions = { target: 'ES2022', ...resolution, lib: program.lib, types: program.types, strict: true, skipLibCheck: false, noEmit: true, verbatimModuleSyntax: true };
        writeFileSync(join(consumer(), tsconfig), JSON.stringify({ compilerOptions, files: [`${program.name}.ts`] }, null, 2));
        checks.push(typecheck(typescript, tsconfig));
      }
    }
    const failures = (await Promise.all(checks)).filter((failure) => failure !== '');
    expect(failures, 'type errors in the package or the consumer file').toEqual([]);
  });

  it('loads in Node: every entry point that runs there imports, and the migrations resolve', async () => {
    const inNode = planned.filter((p) => p.programs.some((program) => program.runsInNode)).map((p) => p.entry.specifier);
    const migration = readdirSync(join(root, 'server', 'migrations')).find((name) => name.endsWith('.sql'));
    const script = [
      `for (const specifier of ${JSON.stringify(inNode)}) await import(specifier);`,
      `const sql = await import('node:fs').then((fs) => fs.readFileSync(new URL(import.meta.resolve('${packageName}/server/migrations/${migration}')), 'utf8'));`,
      `if (!sql.trim()) throw new Error('empty migration');`,
    ].join('\n');
    await run(process.execPath, ['--input-type=module', '-e', script], consumer());
  });

  it('passes publint (every message, suggestions included, fails)', async () => {
    const bytes = readFileSync(tarball);
    const { messages, pkg } = await publint({ pack: { tarball: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) }, level: 'suggestion', strict: true });
    expect(messages.map((m) => `${m.type}: ${formatMessage(m, pkg, { color: false })}`)).toEqual([]);
  });

  it('passes arethetypeswrong with the esm-only profile (no CommonJS build: node10 and require() are out of scope)', async () => {
    const attw = join(root, 'node_modules', '.bin', 'attw');
    // Exits non-zero with the table of problems; run() puts it in the error.
    const output = await run(attw, [tarball, '--profile', 'esm-only', '--no-definitely-typed', '--format', 'ascii', '--no-color', '--no-emoji'], root);
    for (const { entry } of planned) expect(output).toContain(`"${entry.specifier}"`);
  });

  it('has the public types of the committed API reports (api/*.api.md)', () => {
    const reports = apiReports();
    expect(reports.flatMap((r) => r.problems)).toEqual([]);
    const changed = reports.filter((r) => r.changed);
    const detail = changed.map((r) => `${r.subpath} (${relative(root, r.reportPath)}):\n${reportDifference(r.reportPath, r.builtPath)}`).join('\n\n');
    expect(changed.map((r) => r.subpath), `the public types changed; if that is intended, run \`npm run api:report\` and commit api/:\n${detail}`).toEqual([]);
    for (const r of reports) expect(existsSync(r.reportPath)).toBe(true);
  });
});
