import { createSyncEngine, type SyncEngine } from 'offline-sync-engine/client';
import { SyncProvider, useOrgs, useProjects, useSyncEngine, useSyncStatus } from 'offline-sync-engine/client/react';
import { useEffect, useState, type FormEvent } from 'react';
import { createRoot } from 'react-dom/client';
import { readSession, signUp, writeSession, type Session } from './session.js';

/**
 * The app's page: sign up with its Better Auth, then orgs and projects through the sync engine (cache-first
 * reads from IndexedDB, writes queued offline and replayed), and the app's own /api/feedback route.
 */
function engineFor(session: Session): SyncEngine {
  return createSyncEngine({
    baseUrl: window.location.origin,
    userId: session.userId,
    appName: 'example',
    // Read at every request; null (signed out) pauses the queue and loses nothing.
    getToken: () => {
      const current = readSession();
      return current?.userId === session.userId ? current.token : null;
    },
  });
}

function App() {
  const [session, setSession] = useState(readSession);
  const [engine, setEngine] = useState<SyncEngine | null>(null);
  useEffect(() => {
    if (!session) return;
    const next = engineFor(session);
    next.start().catch((error: unknown) => console.error('sync engine failed to start', error));
    setEngine(next);
    return () => {
      setEngine(null);
      void next.close();
    };
  }, [session]);

  if (!session) return <SignUp onSession={(s) => (writeSession(s), setSession(s))} />;
  if (!engine) return <p>Opening…</p>;
  return (
    <SyncProvider engine={engine}>
      <Workspace token={session.token} />
    </SyncProvider>
  );
}

function SignUp({ onSession }: { onSession: (session: Session) => void }) {
  const [error, setError] = useState('');
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    signUp({ name: String(form.get('name')), email: String(form.get('email')), password: String(form.get('password')) })
      .then(onSession)
      .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  };
  return (
    <form onSubmit={submit}>
      <input name="name" placeholder="Name" data-testid="name" required />
      <input name="email" type="email" placeholder="Email" data-testid="email" required />
      <input name="password" type="password" placeholder="Password" data-testid="password" required />
      <button data-testid="sign-up">Sign up</button>
      {error && <span role="alert">{error}</span>}
    </form>
  );
}

function Workspace({ token }: { token: string }) {
  const engine = useSyncEngine();
  const status = useSyncStatus();
  const orgs = useOrgs();
  const [orgId, setOrgId] = useState('');
  const current = orgs?.find((o) => o.id === orgId) ?? orgs?.[0];

  // Orgs are created online, on the server (the sync routes' POST /orgs); the engine then pulls them.
  const createOrg = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const input = event.currentTarget.elements.namedItem('org') as HTMLInputElement;
    const res = await fetch('/api/orgs', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: input.value }),
    });
    if (res.ok) {
      setOrgId(((await res.json()) as { id: string }).id);
      input.value = '';
      await engine.syncNow();
    }
  };

  return (
    <main>
      <p data-testid="status">
        {status ? `${status.online ? 'online' : 'offline'} · ${status.pendingCount} pending` : 'starting'}
      </p>
      <form onSubmit={(e) => void createOrg(e)}>
        <input name="org" placeholder="New org" data-testid="org-name" required />
        <button data-testid="create-org">Create org</button>
      </form>
      {current && (
        <>
          <select data-testid="org" value={current.id} onChange={(e) => setOrgId(e.target.value)}>
            {orgs?.map((o) => (
              <option key={o.id} value={o.id}>
                {o.name}
              </option>
            ))}
          </select>
          <Projects orgId={current.id} />
        </>
      )}
      <Feedback token={token} />
    </main>
  );
}

function Projects({ orgId }: { orgId: string }) {
  const engine = useSyncEngine();
  const projects = useProjects(orgId);
  // Optimistic: the row is in IndexedDB at once, the op in the outbox until the server has it.
  const create = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const input = event.currentTarget.elements.namedItem('project') as HTMLInputElement;
    void engine.projects.create(orgId, { name: input.value });
    input.value = '';
  };
  return (
    <section>
      <form onSubmit={create}>
        <input name="project" placeholder="New project" data-testid="project-name" required />
        <button data-testid="create-project">Create project</button>
      </form>
      <ul>
        {projects?.map((p) => (
          <li key={p.id} data-testid="project">
            {p.name}
          </li>
        ))}
      </ul>
    </section>
  );
}

/** The app's own route beside the engine's: POST and GET /api/feedback. */
function Feedback({ token }: { token: string }) {
  const [sent, setSent] = useState<number | null>(null);
  const send = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const input = event.currentTarget.elements.namedItem('message') as HTMLInputElement;
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    await fetch('/api/feedback', { method: 'POST', headers, body: JSON.stringify({ message: input.value }) });
    const list = (await (await fetch('/api/feedback', { headers })).json()) as { items: unknown[] };
    setSent(list.items.length);
    input.value = '';
  };
  return (
    <form onSubmit={(e) => void send(e)}>
      <input name="message" placeholder="Feedback" data-testid="feedback" required />
      <button data-testid="send-feedback">Send</button>
      {sent !== null && <span data-testid="feedback-count">{sent} sent</span>}
    </form>
  );
}

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
createRoot(root).render(<App />);
