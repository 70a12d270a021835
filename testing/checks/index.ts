import type { ConformanceCheck } from '../check.js';
import { cursorChecks } from './cursors.js';
import { errorChecks } from './errors.js';
import { idempotencyChecks } from './idempotency.js';
import { ifMatchChecks } from './if-match.js';
import { isolationChecks } from './isolation.js';
import { settingsMergeChecks } from './settings-merge.js';

export { cursorChecks, errorChecks, idempotencyChecks, ifMatchChecks, isolationChecks, settingsMergeChecks };

/** Every check of the kit, grouped, in the order they run. */
export const conformanceChecks: readonly ConformanceCheck[] = [
  ...errorChecks,
  ...idempotencyChecks,
  ...cursorChecks,
  ...ifMatchChecks,
  ...settingsMergeChecks,
  ...isolationChecks,
];
