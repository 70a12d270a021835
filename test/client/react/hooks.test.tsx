// @vitest-environment happy-dom
import { act, cleanup, render, screen, waitFor } from '@testing-library/react';
// Installed as globals: Dexie's live queries in a DOM environment look IndexedDB up globally.
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { createSyncEngine } from '../../../client/index.js';
import { SyncProvider, useOrgs, useOutbox, useProjects, useSetting, useSyncStatus } from '../../../client/react/index.js';
import { noLocks } from '../../../client/tabs/locks.js';

const ORG = '11111111-1111-4111-8111-111111111111';
let n = 0;

function makeEngine() {
  return createSyncEngine({
    baseUrl: 'http://offline.test',
    userId: 'user-1',
    getToken: () => 'token',
    fetch: async () => {
      throw new TypeError('offline');
    },
    locks: noLocks,
    channel: null,
    events: null,
    appName: `hooks-${n++}`,
  });
}

function Projects() {
  const orgs = useOrgs();
  const projects = useProjects(ORG);
  const outbox = useOutbox();
  const status = useSyncStatus();
  const [theme, setTheme] = useSetting<string>('theme');
  if (!orgs || !projects || !outbox) return <p>loading</p>;
  return (
    <div>
      <h1>{orgs.map((o) => o.name).join(',')}</h1>
      <ul>
        {projects.map((p) => (
          <li key={p.id}>{p.name}</li>
        ))}
      </ul>
      <p data-testid="pending">{outbox.pending.length}</p>
      <p data-testid="status">{status ? `pending:${status.pendingCount}` : 'no status'}</p>
      <p data-testid="theme">{theme ?? 'unset'}</p>
      <button onClick={() => void setTheme('dark')}>dark</button>
    </div>
  );
}

afterEach(() => cleanup());

describe('React hooks', () => {
  it('render from the local cache first and follow database changes', async () => {
    const engine = makeEngine();
    await engine.ready;
    await engine.db.orgs.put({ id: ORG, name: 'Evidence Lab', role: 'owner', createdAt: 1, updatedAt: 1, deletedAt: null, version: 1 });
    render(
      <SyncProvider engine={engine}>
        <Projects />
      </SyncProvider>,
    );
    // Cache-first: the org comes from IndexedDB with no network at all.
    expect(await screen.findByRole('heading')).toHaveProperty('textContent', 'Evidence Lab');
    expect(screen.queryAllByRole('listitem')).toHaveLength(0);

    await act(async () => {
      await engine.projects.create(ORG, { name: 'Offline trial' });
    });
    await waitFor(() => expect(screen.getAllByRole('listitem').map((li) => li.textContent)).toEqual(['Offline trial']));
    await waitFor(() => expect(screen.getByTestId('pending').textContent).toBe('1'));
    await waitFor(() => expect(screen.getByTestId('status').textContent).toBe('pending:1'));

    expect(screen.getByTestId('theme').textContent).toBe('unset');
    await act(async () => {
      screen.getByRole('button', { name: 'dark' }).click();
    });
    await waitFor(() => expect(screen.getByTestId('theme').textContent).toBe('dark'));
    expect(await engine.settings.get('user', 'theme')).toBe('dark');
    await engine.close();
  });

  it('useOutbox counts the ops queued behind each op in its lane, and discardLane drops them in one action', async () => {
    const engine = makeEngine();
    await engine.ready;
    const other = await engine.projects.create(ORG, { name: 'Other lane' });
    const project = await engine.projects.create(ORG, { name: 'Draft' });
    await engine.projects.update(ORG, project.id, { name: 'Draft 2' });
    await engine.projects.update(ORG, project.id, { name: 'Draft 3' });
    function Lane() {
      const outbox = useOutbox();
      const projects = useProjects(ORG);
      if (!outbox || !projects) return <p>loading</p>;
      const head = outbox.pending.find((op) => op.lane === `project:${project.id}`);
      return (
        <div>
          <p data-testid="rows">{projects.map((p) => p.name).sort().join(',')}</p>
          <p data-testid="behind">{outbox.pending.map((op) => outbox.behind.get(op.id)).join(',')}</p>
          {head && <button onClick={() => void outbox.discardLane(head.id)}>discard lane</button>}
        </div>
      );
    }
    render(
      <SyncProvider engine={engine}>
        <Lane />
      </SyncProvider>,
    );
    // Replay order: the other project's create (nothing behind it), then the lane's create and its two renames.
    await waitFor(() => expect(screen.getByTestId('behind').textContent).toBe('0,2,1,0'));
    expect(screen.getByTestId('rows').textContent).toBe('Draft 3,Other lane');
    await act(async () => {
      screen.getByRole('button', { name: 'discard lane' }).click();
    });
    await waitFor(() => expect(screen.getByTestId('rows').textContent).toBe('Other lane'));
    expect(screen.getByTestId('behind').textContent).toBe('0');
    expect((await engine.db.ops.toArray()).map((op) => op.entity)).toEqual([`projects:${other.id}`]);
    expect(await engine.counters()).toMatchObject({ enqueued: 4, discarded: 3 });
    await engine.close();
  });
});
