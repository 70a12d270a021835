import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

/** Every module specifier a file names: static and type imports, re-exports, dynamic import(), `/// <reference>`s. */
export function importedSpecifiers(file: string): string[] {
  const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return [...info.importedFiles, ...info.referencedFiles, ...info.typeReferenceDirectives].map((ref) => ref.fileName);
}

/** The files under dir (recursively) whose names match. */
export function filesUnder(dir: string, match: RegExp): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && match.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

/** The package a bare specifier names (`@scope/name/sub` → `@scope/name`, `zod/mini` → `zod`). */
export function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return (specifier.startsWith('@') ? parts.slice(0, 2) : parts.slice(0, 1)).join('/');
}

/** Relative (`./`, `../`) or absolute path specifiers, as opposed to package names and `scheme:` modules. */
export const isPathSpecifier = (specifier: string) => /^\.{1,2}(\/|$)/.test(specifier) || specifier.startsWith('/');
