#!/usr/bin/env node
// `npm run build:package` (also `prepack`): builds every code entry of package.json `exports` into dist/ as ESM
// .js + .d.ts, with the TypeScript compiler API.
//
// The client (DOM) and the server (Workers) cannot be one program (their global types clash), so an entry is
// built by each program whose tsconfig already typechecks its source (PROGRAMS below): client/ and shared/ by the
// client's, server/ and shared/ by the server's. Files both programs emit (shared/) must come out the same, or the
// build fails. No source or declaration maps: they would point at sources the package does not ship.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { codeEntries, root } from './package-entries.mjs';

/**
 * @typedef {object} Program
 * @property {string} name
 * @property {string} tsconfig the config `tsc -b` checks this side with; the build takes its options
 * @property {string[]} types the ambient types the build (and a consumer) needs: the tsconfig's test-only ones
 *   (node, vitest-pool-workers) are left out, so a declaration that needs them fails the build
 * @property {string[]} lib what a consumer's program needs to typecheck these entries
 * @property {boolean} runsInNode whether its entries load in plain Node (the tarball test imports them there);
 *   the server's do not (they import `cloudflare:workers`)
 */

/** @type {Program[]} */
export const PROGRAMS = [
  { name: 'client', tsconfig: 'tsconfig.client.json', types: [], lib: ['ES2022', 'DOM', 'DOM.Iterable'], runsInNode: true },
  { name: 'server', tsconfig: 'tsconfig.server.json', types: ['@cloudflare/workers-types'], lib: ['ES2022'], runsInNode: false },
];

/** @param {readonly ts.Diagnostic[]} diagnostics */
const format = (diagnostics) =>
  ts.formatDiagnostics(diagnostics, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => root, getNewLine: () => '\n' });

/** @param {string} tsconfig */
function parseTsconfig(tsconfig) {
  /** @type {ts.ParseConfigFileHost} */
  const host = {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(format([d]));
    },
  };
  const parsed = ts.getParsedCommandLineOfConfigFile(join(root, tsconfig), undefined, host);
  if (!parsed) throw new Error(`cannot read ${tsconfig}`);
  if (parsed.errors.length > 0) throw new Error(format(parsed.errors));
  return parsed;
}

/**
 * Each code entry with the programs whose tsconfig includes its source (at least one, or this throws).
 * @returns {{ entry: import('./package-entries.mjs').CodeEntry, programs: Program[] }[]}
 */
export function entryPrograms() {
  const included = PROGRAMS.map((program) => ({ program, files: new Set(parseTsconfig(program.tsconfig).fileNames.map((f) => relative(root, f))) }));
  return codeEntries().map((entry) => {
    const programs = included.filter(({ files }) => files.has(entry.source)).map(({ program }) => program);
    if (programs.length === 0) {
      throw new Error(`${entry.source} (package.json exports["${entry.subpath}"]) is in no program: add it to ${PROGRAMS.map((p) => p.tsconfig).join(' or ')}`);
    }
    return { entry, programs };
  });
}

/**
 * Compiles one program's entries; returns its outputs (path relative to the package root → text).
 * @param {Program} program
 * @param {string[]} sources
 */
function compile(program, sources) {
  const { options } = parseTsconfig(program.tsconfig);
  /** @type {ts.CompilerOptions} */
  const buildOptions = {
    ...options,
    types: program.types,
    noEmit: false,
    emitDeclarationOnly: false,
    declaration: true,
    declarationMap: false,
    sourceMap: false,
    composite: false,
    incremental: false,
    tsBuildInfoFile: undefined,
    rootDir: root,
    outDir: join(root, 'dist'),
    noEmitOnError: true,
  };
  const compiled = ts.createProgram({ rootNames: sources.map((s) => join(root, s)), options: buildOptions });
  const diagnostics = ts.getPreEmitDiagnostics(compiled);
  if (diagnostics.length > 0) throw new Error(`the ${program.name} program does not compile:\n${format(diagnostics)}`);
  /** @type {Map<string, string>} */
  const outputs = new Map();
  const emitted = compiled.emit(undefined, (fileName, text) => outputs.set(relative(root, fileName), text));
  if (emitted.diagnostics.length > 0) throw new Error(`the ${program.name} program did not emit:\n${format(emitted.diagnostics)}`);
  return outputs;
}

/**
 * Builds dist/ from package.json `exports`. dist/app is the app's build (scripts/build-app.mjs) and is left as
 * it is; everything else in dist/ is this build's and is replaced.
 * @returns {{ files: string[] }} the files written, relative to the package root
 */
export function buildPackage() {
  const planned = entryPrograms();
  /** @type {Map<string, string>} */
  const outputs = new Map();
  /** @type {Map<string, string>} */
  const writtenBy = new Map();
  for (const program of PROGRAMS) {
    const sources = planned.filter(({ programs }) => programs.includes(program)).map(({ entry }) => entry.source);
    if (sources.length === 0) continue;
    for (const [path, text] of compile(program, sources)) {
      const earlier = outputs.get(path);
      if (earlier !== undefined && earlier !== text) {
        throw new Error(`${path} comes out differently from the ${writtenBy.get(path)} and ${program.name} programs: keep what both import free of their ambient types`);
      }
      outputs.set(path, text);
      writtenBy.set(path, program.name);
    }
  }
  for (const { entry } of planned) {
    for (const file of [entry.js, entry.types]) {
      if (!outputs.has(file)) throw new Error(`building ${entry.source} wrote no ${file} (package.json exports["${entry.subpath}"])`);
    }
  }
  const dist = join(root, 'dist');
  mkdirSync(dist, { recursive: true });
  for (const name of readdirSync(dist)) if (name !== 'app') rmSync(join(dist, name), { recursive: true, force: true });
  for (const [path, text] of outputs) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return { files: [...outputs.keys()].sort() };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    const started = performance.now();
    const { files } = buildPackage();
    const entries = codeEntries().map((e) => e.subpath).join(', ');
    console.log(`built ${entries} into dist/ (${files.length} files, ${Math.round(performance.now() - started)} ms)`);
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
