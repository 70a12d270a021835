#!/usr/bin/env node
// The public types of each package entry point, as API Extractor reports them from the built .d.ts (dist/):
// api/<entry>.api.md, one per code entry of package.json `exports`, committed. `npm run api:report` builds the
// package and rewrites them; the tarball test (test/package/tarball.test.ts) fails when the built surface differs
// from the committed reports. Types an entry's signatures use without exporting them are in its report too
// (includeForgottenExports): changing them changes what an app sees.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CompilerState, Extractor, ExtractorConfig } from '@microsoft/api-extractor';
import { entryPrograms } from './build-package.mjs';
import { root } from './package-entries.mjs';

export const reportFolder = join(root, 'api');
const tempFolder = join(root, 'node_modules', '.cache', 'api-extractor');

/**
 * @typedef {object} EntryReport
 * @property {string} subpath
 * @property {string} reportPath the committed report (api/<name>.api.md)
 * @property {string} builtPath the report of the current dist/ (a temp file when not updating)
 * @property {boolean} changed whether the built surface differs from the committed report (or it is missing)
 * @property {string[]} problems errors and warnings API Extractor raised (an empty list is a clean run)
 */

/**
 * @param {import('./package-entries.mjs').CodeEntry} entry
 * @param {import('./build-package.mjs').Program} program
 */
function prepare(entry, program) {
  return ExtractorConfig.prepare({
    configObject: {
      projectFolder: root,
      mainEntryPointFilePath: join(root, entry.types),
      bundledPackages: [],
      newlineKind: 'lf',
      compiler: {
        // The consumer's view of the declarations: the program's lib and ambient types, nothing test-only.
        overrideTsconfig: {
          compilerOptions: { target: 'ES2022', module: 'ESNext', moduleResolution: 'Bundler', lib: program.lib, types: program.types, strict: true, skipLibCheck: true, noEmit: true },
          files: [join(root, entry.types)],
        },
      },
      apiReport: { enabled: true, reportFileName: entry.name, reportFolder, reportTempFolder: tempFolder, includeForgottenExports: true },
      docModel: { enabled: false },
      dtsRollup: { enabled: false },
      tsdocMetadata: { enabled: false },
      messages: {
        compilerMessageReporting: { default: { logLevel: /** @type {any} */ ('error') } },
        extractorMessageReporting: {
          // Findings about the surface (e.g. ae-forgotten-export) are written into the report, where a change shows.
          default: { logLevel: /** @type {any} */ ('warning'), addToApiReportFile: true },
          // No release tags (@public, @beta) here: every export of an entry is public.
          'ae-missing-release-tag': { logLevel: /** @type {any} */ ('none'), addToApiReportFile: false },
          // Which members lack a doc comment is not part of the surface.
          'ae-undocumented': { logLevel: /** @type {any} */ ('none'), addToApiReportFile: false },
        },
        // The comments are JSDoc, not TSDoc: TSDoc's syntax findings would be noise.
        tsdocMessageReporting: { default: { logLevel: /** @type {any} */ ('none'), addToApiReportFile: false } },
      },
    },
    configObjectFullPath: undefined,
    packageJsonFullPath: join(root, 'package.json'),
  });
}

/**
 * Runs API Extractor over every code entry of the built package (run the package build first). With `update`
 * the committed reports are rewritten; without, they are compared with the built surface.
 * @param {{ update?: boolean }} [options]
 * @returns {EntryReport[]}
 */
export function apiReports({ update = false } = {}) {
  const planned = entryPrograms();
  for (const { entry } of planned) {
    if (!existsSync(join(root, entry.types))) throw new Error(`${entry.types} is missing: run \`npm run build:package\` first`);
  }
  if (update) mkdirSync(reportFolder, { recursive: true });
  /** @type {Map<string, CompilerState>} one TypeScript analysis per program, shared by its entries */
  const states = new Map();
  return planned.map(({ entry, programs }) => {
    const program = /** @type {import('./build-package.mjs').Program} */ (programs[0]);
    const config = prepare(entry, program);
    let compilerState = states.get(program.name);
    if (!compilerState) {
      const others = planned.filter((p) => p.programs[0] === program && p.entry !== entry).map((p) => join(root, p.entry.types));
      compilerState = CompilerState.create(config, { additionalEntryPoints: others });
      states.set(program.name, compilerState);
    }
    /** @type {string[]} */
    const problems = [];
    const result = Extractor.invoke(config, {
      localBuild: update,
      compilerState,
      messageCallback: (message) => {
        // The report comparison is this script's to tell (as `changed`); other console chatter is dropped.
        message.handled = true;
        if (message.logLevel === 'error' || message.logLevel === 'warning') {
          // console-api-report-changed / -not-copied / -created / -missing: the comparison, which `changed` tells.
          if (/^console-api-report-(changed|created|missing|copied|not-copied)$/.test(message.messageId)) return;
          problems.push(message.formatMessageWithLocation(root));
        }
      },
    });
    const reportPath = join(reportFolder, `${entry.name}.api.md`);
    const builtPath = update ? reportPath : join(tempFolder, `${entry.name}.api.md`);
    const changed = update ? false : result.apiReportChanged || !existsSync(reportPath);
    return { subpath: entry.subpath, reportPath, builtPath, changed, problems };
  });
}

/**
 * What differs between a committed report and the built one, line by line (lines only in one of them).
 * @param {string} committedPath
 * @param {string} builtPath
 */
export function reportDifference(committedPath, builtPath) {
  const committed = existsSync(committedPath) ? readFileSync(committedPath, 'utf8').split('\n') : [];
  const built = readFileSync(builtPath, 'utf8').split('\n');
  /** @param {string[]} lines */
  const counts = (lines) => lines.reduce((m, l) => m.set(l, (m.get(l) ?? 0) + 1), /** @type {Map<string, number>} */ (new Map()));
  const inCommitted = counts(committed);
  const inBuilt = counts(built);
  /** @param {string[]} lines @param {Map<string, number>} other @param {string} mark */
  const only = (lines, other, mark) => {
    const left = new Map(other);
    return lines.flatMap((l) => {
      const n = left.get(l) ?? 0;
      if (n > 0) {
        left.set(l, n - 1);
        return [];
      }
      return [`${mark} ${l}`];
    });
  };
  return [...only(committed, inBuilt, '-'), ...only(built, inCommitted, '+')].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const update = process.argv.includes('--update');
  const reports = apiReports({ update });
  let failed = false;
  for (const report of reports) {
    for (const problem of report.problems) console.error(problem);
    if (report.problems.length > 0) failed = true;
    if (report.changed) {
      failed = true;
      console.error(`${report.subpath}: the built types differ from ${report.reportPath}:\n${reportDifference(report.reportPath, report.builtPath)}`);
    }
  }
  if (failed) {
    console.error(update ? 'API Extractor reported problems (above)' : 'run `npm run api:report` to update the reports, and commit them with the change');
    process.exit(1);
  }
  console.log(update ? `wrote ${reports.map((r) => r.reportPath.slice(root.length + 1)).join(', ')}` : 'API reports match the built package');
}
