import { orgPageSchema, orgSchema, projectPageSchema, projectSchema } from '../../shared/index.js';
import type { ConformanceCheck } from '../check.js';
import { expectError, expectShape, expectStatus, expectThat, isReplayed } from '../expect.js';
import { createOrg, createProject, pullAll } from './fixtures.js';

/*
 * Idempotency-Key (DESIGN section 4; server/http/idempotency.ts): records per (user, key), a fingerprint of
 * method + path + body, the stored status and body replayed with `Idempotent-Replayed: true` and nothing
 * written, 422 for a key reused on another request, 409 while the first is still running.
 */

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export const idempotencyChecks: readonly ConformanceCheck[] = [
  {
    id: 'idempotency.optional-key',
    title: 'a write without Idempotency-Key applies and is not a replay',
    rule: 'Mutating routes accept Idempotency-Key but do not require it: without one the write is applied and answered as usual, never marked Idempotent-Replayed.',
    async run(ctx) {
      const ann = await ctx.user('ann');
      const res = await ctx.send(ann, 'POST', '/orgs', { json: { name: ctx.unique('no-key') } });
      expectStatus(res, 201, 'POST /orgs without Idempotency-Key to create the org');
      const org = expectShape(res, orgSchema, 'the created org row');
      expectThat(!isReplayed(res), 'no Idempotent-Replayed: true on a write that carried no key', res);
      const listed = await pullAll(ctx, ann, '/orgs', orgPageSchema);
      expectThat(listed.items.filter((o) => o.id === org.id).length === 1, 'GET /orgs to list the created org once', undefined, JSON.stringify(listed.items.map((o) => o.id)));
    },
  },
  {
    id: 'idempotency.malformed-key',
    title: 'a malformed Idempotency-Key is refused with 400 and applies nothing',
    rule: 'An Idempotency-Key must be 1-255 visible ASCII characters; any other is 400 VALIDATION_FAILED and the write does not run.',
    async run(ctx) {
      const ann = await ctx.user('ann');
      const names: string[] = [];
      for (const key of ['has space', 'k'.repeat(256)]) {
        const name = ctx.unique('bad-key');
        names.push(name);
        expectError(await ctx.send(ann, 'POST', '/orgs', { json: { name }, idempotencyKey: key }), 'VALIDATION_FAILED', 'a malformed Idempotency-Key refused');
      }
      const listed = await pullAll(ctx, ann, '/orgs', orgPageSchema);
      const applied = listed.items.filter((o) => 'name' in o && names.includes(o.name));
      expectThat(applied.length === 0, 'no org created by a request whose key was refused', undefined, JSON.stringify(applied));
    },
  },
  {
    id: 'idempotency.replay',
    title: 'the same key and body replay the stored answer and apply once',
    rule: 'A repeat of a completed request (same user, key, method, path and body) answers the stored status and body with Idempotent-Replayed: true and writes nothing.',
    async run(ctx) {
      const ann = await ctx.user('ann');
      const key = ctx.unique('key');
      const name = ctx.unique('replayed-org');
      const first = await ctx.send(ann, 'POST', '/orgs', { json: { name }, idempotencyKey: key });
      expectStatus(first, 201, 'POST /orgs with a new Idempotency-Key to create the org');
      expectThat(!isReplayed(first), 'the first answer not marked Idempotent-Replayed', first);
      for (let i = 0; i < 2; i++) {
        const again = await ctx.send(ann, 'POST', '/orgs', { json: { name }, idempotencyKey: key });
        expectStatus(again, 201, 'the replay to answer the stored status');
        expectThat(isReplayed(again), 'the replay to carry Idempotent-Replayed: true', again);
        expectThat(sameJson(again.json, first.json), 'the replay to answer the stored body, byte for byte as JSON', again, `first answer: ${first.text.slice(0, 300)}`);
      }
      const listed = await pullAll(ctx, ann, '/orgs', orgPageSchema);
      const created = listed.items.filter((o) => 'name' in o && o.name === name);
      expectThat(created.length === 1, 'GET /orgs to show exactly one org for three deliveries of one keyed create', undefined, `${created.length} orgs named ${name}`);
    },
  },
  {
    id: 'idempotency.replay-update-delete',
    title: 'keyed updates and deletes replay without applying again',
    rule: 'A replayed PATCH or DELETE answers the stored row (the version does not grow again) with Idempotent-Replayed: true.',
    async run(ctx) {
      const ann = await ctx.user('ann');
      const org = await createOrg(ctx, ann);
      const project = await createProject(ctx, ann, org.id);
      const path = `/orgs/${org.id}/projects/${project.id}`;
      const rename = { json: { name: ctx.unique('renamed') }, idempotencyKey: ctx.unique('rename') };
      const first = await ctx.send(ann, 'PATCH', path, rename);
      expectStatus(first, 200, 'PATCH /orgs/:orgId/projects/:projectId to rename');
      const renamed = expectShape(first, projectSchema, 'the renamed project row');
      const again = await ctx.send(ann, 'PATCH', path, rename);
      expectStatus(again, 200, 'the replayed PATCH to answer the stored status');
      expectThat(isReplayed(again), 'the replayed PATCH to carry Idempotent-Replayed: true', again);
      expectThat(sameJson(again.json, first.json), 'the replayed PATCH to answer the stored row (same version)', again, `first answer: ${first.text.slice(0, 300)}`);
      const pulled = await pullAll(ctx, ann, `/orgs/${org.id}/projects`, projectPageSchema);
      const row = pulled.items.find((p) => p.id === project.id);
      expectThat(row?.version === renamed.version, `the project at version ${renamed.version} after a replayed rename`, undefined, JSON.stringify(row));

      const del = { idempotencyKey: ctx.unique('delete') };
      const gone = await ctx.send(ann, 'DELETE', path, del);
      expectStatus(gone, 200, 'DELETE /orgs/:orgId/projects/:projectId');
      const goneAgain = await ctx.send(ann, 'DELETE', path, del);
      expectStatus(goneAgain, 200, 'the replayed DELETE to answer the stored status, not 404');
      expectThat(isReplayed(goneAgain), 'the replayed DELETE to carry Idempotent-Replayed: true', goneAgain);
      expectThat(sameJson(goneAgain.json, gone.json), 'the replayed DELETE to answer the stored body', goneAgain, `first answer: ${gone.text.slice(0, 300)}`);
    },
  },
  {
    id: 'idempotency.key-reused',
    title: 'a key reused with another body or path is 422 and applies nothing',
    rule: 'The same Idempotency-Key with a different method, path or body is 422 IDEMPOTENCY_KEY_REUSED; the second request does not run.',
    async run(ctx) {
      const ann = await ctx.user('ann');
      const key = ctx.unique('key');
      const first = await ctx.send(ann, 'POST', '/orgs', { json: { name: ctx.unique('first') }, idempotencyKey: key });
      expectStatus(first, 201, 'POST /orgs with a new Idempotency-Key');
      const org = expectShape(first, orgSchema, 'the created org row');
      const otherName = ctx.unique('other-body');
      expectError(await ctx.send(ann, 'POST', '/orgs', { json: { name: otherName }, idempotencyKey: key }), 'IDEMPOTENCY_KEY_REUSED', 'the same key with another body');
      const otherPath = await ctx.send(ann, 'POST', `/orgs/${org.id}/projects`, { json: { name: otherName }, idempotencyKey: key });
      expectError(otherPath, 'IDEMPOTENCY_KEY_REUSED', 'the same key on another path');
      const orgs = await pullAll(ctx, ann, '/orgs', orgPageSchema);
      expectThat(!orgs.items.some((o) => 'name' in o && o.name === otherName), 'no org created by the refused request', undefined, JSON.stringify(orgs.items));
      const projects = await pullAll(ctx, ann, `/orgs/${org.id}/projects`, projectPageSchema);
      expectThat(projects.items.length === 0, 'no project created by the refused request', undefined, JSON.stringify(projects.items));
    },
  },
  {
    id: 'idempotency.per-user',
    title: 'keys are per user: another user’s same key gets their own outcome',
    rule: 'Idempotency records are scoped to (user, key): user B sending user A’s key (even with the same body) runs B’s own request, and never sees A’s answer.',
    async run(ctx) {
      const [ann, bob] = [await ctx.user('ann'), await ctx.user('bob')];
      const key = ctx.unique('shared-key');
      const request = { json: { name: ctx.unique('same-body') }, idempotencyKey: key };
      const annFirst = await ctx.send(ann, 'POST', '/orgs', request);
      expectStatus(annFirst, 201, 'ann: POST /orgs with the key');
      const annOrg = expectShape(annFirst, orgSchema, 'ann’s org row');
      const bobFirst = await ctx.send(bob, 'POST', '/orgs', request);
      expectStatus(bobFirst, 201, 'bob: the same key and body create bob’s own org');
      expectThat(!isReplayed(bobFirst), 'bob’s first request with ann’s key not answered as a replay', bobFirst);
      const bobOrg = expectShape(bobFirst, orgSchema, 'bob’s org row');
      expectThat(bobOrg.id !== annOrg.id, 'bob’s org to be a new org, not ann’s', bobFirst);
      const bobAgain = await ctx.send(bob, 'POST', '/orgs', request);
      expectThat(isReplayed(bobAgain) && sameJson(bobAgain.json, bobFirst.json), 'bob’s replay to answer bob’s stored body', bobAgain);
      const annAgain = await ctx.send(ann, 'POST', '/orgs', request);
      expectThat(isReplayed(annAgain) && sameJson(annAgain.json, annFirst.json), 'ann’s replay to still answer ann’s stored body', annAgain);
      const bobsOrgs = await pullAll(ctx, bob, '/orgs', orgPageSchema);
      expectThat(!bobsOrgs.items.some((o) => o.id === annOrg.id), 'bob’s GET /orgs not to list ann’s org', undefined, JSON.stringify(bobsOrgs.items));
    },
  },
  {
    id: 'idempotency.stores-4xx',
    title: 'a 4xx answer is stored and replayed like a success',
    rule: 'A request that failed with a 4xx fails the same way on a retry with its key: the stored error body is replayed with Idempotent-Replayed: true (only 5xx and 429 are not stored).',
    async run(ctx) {
      const [ann, bob] = [await ctx.user('ann'), await ctx.user('bob')];
      const org = await createOrg(ctx, ann);
      const request = { json: { name: ctx.unique('not-yours') }, idempotencyKey: ctx.unique('key') };
      const first = await ctx.send(bob, 'PATCH', `/orgs/${org.id}`, request);
      const body = expectError(first, 'ORG_NOT_FOUND', 'bob renaming an org he is not in');
      const again = await ctx.send(bob, 'PATCH', `/orgs/${org.id}`, request);
      expectError(again, 'ORG_NOT_FOUND', 'the retry with the same key');
      expectThat(isReplayed(again), 'the retry to be served from the record: Idempotent-Replayed: true', again);
      expectThat(sameJson(again.json, body), 'the retry to answer the stored error body (same timestamp)', again, `first answer: ${first.text}`);
    },
  },
  {
    id: 'idempotency.concurrent',
    title: 'concurrent duplicates apply once; a duplicate still running is 409',
    rule: 'Duplicates of one keyed request sent at once apply exactly once; each answers the first’s status and body, or 409 IDEMPOTENCY_IN_PROGRESS while the first is still running.',
    async run(ctx) {
      const ann = await ctx.user('ann');
      const org = await createOrg(ctx, ann);
      // Whether a duplicate lands while the first still runs is up to timing (a server that serves one request
      // at a time never answers 409, and keeps the rule): up to ROUNDS bursts, stopping at the first 409 seen.
      const ROUNDS = 4;
      const BURST = 6;
      let inProgress = 0;
      let replayed = 0;
      let rounds = 0;
      while (rounds < ROUNDS && inProgress === 0) {
        rounds++;
        const request = { json: { name: ctx.unique('raced') }, idempotencyKey: ctx.unique('race') };
        const answers = await Promise.all(Array.from({ length: BURST }, () => ctx.send(ann, 'POST', `/orgs/${org.id}/projects`, request)));
        const created = answers.filter((a) => a.status === 201);
        for (const a of answers) {
          if (a.status !== 201) expectError(a, 'IDEMPOTENCY_IN_PROGRESS', 'a concurrent duplicate to answer the first’s 201, or');
        }
        expectThat(created.length >= 1, 'at least one of the duplicates to answer 201', answers[0]);
        const ids = new Set(created.map((a) => expectShape(a, projectSchema, 'the created project row').id));
        expectThat(ids.size === 1, 'every 201 to name the same project', created[1], `project ids ${[...ids].join(', ')}`);
        inProgress += answers.length - created.length;
        replayed += created.filter((a) => isReplayed(a)).length;
      }
      const projects = await pullAll(ctx, ann, `/orgs/${org.id}/projects`, projectPageSchema);
      expectThat(projects.items.length === rounds, `exactly one project per burst of ${BURST} duplicates (${rounds} bursts)`, undefined, `${projects.items.length} projects`);
      ctx.note(`${rounds} burst(s) of ${BURST}: ${inProgress} answered 409 IDEMPOTENCY_IN_PROGRESS, ${replayed} replayed`);
    },
  },
];
