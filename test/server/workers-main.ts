/**
 * The workers project's `main` (vitest.config.ts): this repo's Worker exactly as deployed (server/worker.ts's
 * default export and its Hub class, re-exported unchanged, so SELF is the real Worker), plus the issue-19 spike
 * objects, which vitest-pool-workers 0.15.1 can only construct (and `runInDurableObject`/`runDurableObjectAlarm`
 * only reach) when they are exports of `main`: its Durable Object wrapper looks the class up as
 * `(await importModule(mainPath))[className]`. server/worker.ts itself stays free of test-only exports.
 */
export { default, Hub } from '../../server/worker.js';
export { SpikeBareObject, SpikeObject } from './org-object-fixture/spike-object.js';
