import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localDevVarArgs, quietWranglerEnv } from '../../scripts/wrangler-env.mjs';

/**
 * The real Worker under `wrangler dev` on a free port with its own local D1 (migrations applied), for
 * client-server integration tests. Stopped by its process group.
 */
export interface RunningWorker {
  readonly baseUrl: string;
  readonly port: number;
  /** The local D1 (and Durable Object) state: pass it to startWorker again to restart on the same data. */
  readonly persistDir: string;
  /** SIGTERM the process group, then SIGKILL after 5 s; removes the state unless it was passed in. */
  stop(): Promise<void>;
  /** SIGKILL the process group at once, as a crash does; the state is kept for a restart. */
  kill(): Promise<void>;
}

const repoWrangler = join(process.cwd(), 'node_modules', '.bin', 'wrangler');

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (error) => reject(new Error(`cannot bind a free port on 127.0.0.1: ${error.message}`)));
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export interface WorkerOptions {
  /**
   * Run as local development does (`npm start`): trust pages served from http://localhost:* and
   * http://127.0.0.1:*, such as vitest's browser page. Off, the Worker trusts only its own origin, as deployed.
   */
  trustLocalhostOrigins?: boolean;
  /** Restart on existing state (from a previous RunningWorker.persistDir); the caller then owns its removal. */
  persistDir?: string;
  /** Listen on this port (a restart keeps the clients' base URL); a free one by default. */
  port?: number;
  /**
   * Another entry script instead of wrangler.toml's `main` (same bindings and local D1), e.g. a bench-only
   * wrapper of the Worker: never deployed, since `wrangler deploy` reads `main`.
   */
  script?: string;
  /**
   * Another wrangler config instead of wrangler.toml (its own `main`, bindings and migrations dir), for a test
   * Worker that must not inherit this repo's [assets] routing.
   */
  config?: string;
  /**
   * Another wrangler binary and working directory: an app with its own install (the example app's smoke test
   * runs the example's wrangler in the example's directory).
   */
  wrangler?: string;
  cwd?: string;
  /** The Worker's storage mode (its SYNC_STORAGE var): d1 when absent. */
  storage?: 'd1' | 'org-objects';
}

/**
 * Process groups of every Worker started by this process and not yet exited. Whatever way this process ends (a
 * hook that timed out while a Worker was still starting, a crash, a kill by vitest), none of them outlives it.
 */
const running = new Set<number>();
process.once('exit', () => {
  for (const group of running) {
    try {
      process.kill(-group, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

export async function startWorker(options: WorkerOptions = {}): Promise<RunningWorker> {
  // wrangler.toml serves the built app as the Worker's assets: without it wrangler dev refuses to start.
  if (!options.config && !existsSync(join(process.cwd(), 'dist', 'app'))) throw new Error('dist/app is missing: run `npm run build` first (npm test, npm run soak and npm run bench do)');
  const persist = options.persistDir ?? mkdtempSync(join(tmpdir(), 'sync-worker-'));
  const ownsPersist = options.persistDir === undefined;
  const configArgs = options.config ? ['--config', options.config] : [];
  const wrangler = options.wrangler ?? repoWrangler;
  const cwd = options.cwd ?? process.cwd();
  // Asynchronously: clients of a Worker being restarted keep running (their timers, their retries) meanwhile.
  const applied = await new Promise<{ status: number | null; output: string }>((resolve) => {
    const child = spawn(wrangler, ['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', persist, ...configArgs], { cwd, env: quietWranglerEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += String(d)));
    child.stderr.on('data', (d) => (output += String(d)));
    child.once('error', (error) => resolve({ status: null, output: String(error) }));
    child.once('exit', (status) => resolve({ status, output }));
  });
  if (applied.status !== 0) throw new Error(`applying migrations failed (is \`npm ci\` done?):\n${applied.output}`);
  const port = options.port ?? (await freePort());
  // The devtools inspector defaults to 9229: two test files running wrangler at once would collide there.
  const inspectorPort = await freePort();
  const child: ChildProcess = spawn(
    wrangler,
    [
      'dev',
      ...(options.script ? [options.script] : []),
      ...configArgs,
      '--ip', '127.0.0.1',
      '--port', String(port),
      '--inspector-port', String(inspectorPort),
      '--persist-to', persist,
      '--var', 'BETTER_AUTH_SECRET:integration-test-secret-0123456789abcdef',
      ...(options.trustLocalhostOrigins ? localDevVarArgs : []),
      ...(options.storage ? ['--var', `SYNC_STORAGE:${options.storage}`] : []),
      '--log-level', 'error',
    ],
    { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: quietWranglerEnv },
  );
  let output = '';
  child.stdout?.on('data', (d) => (output += String(d)));
  child.stderr?.on('data', (d) => (output += String(d)));
  const baseUrl = `http://127.0.0.1:${port}`;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  if (child.pid !== undefined) {
    const group = child.pid;
    running.add(group);
    void exited.then(() => running.delete(group));
  }
  const kill = async () => {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      await exited;
    }
  };
  const stop = async () => {
    if (child.pid !== undefined && child.exitCode === null) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      await new Promise((resolve) => {
        const timer = setTimeout(() => {
          try {
            process.kill(-(child.pid as number), 'SIGKILL');
          } catch {
            // already gone
          }
          resolve(undefined);
        }, 5000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve(undefined);
        });
      });
    }
    if (ownsPersist) rmSync(persist, { recursive: true, force: true });
  };
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    try {
      if ((await fetch(`${baseUrl}/api/health`)).ok) return { baseUrl, port, persistDir: persist, stop, kill };
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  await stop();
  throw new Error(`wrangler dev did not come up on ${baseUrl}:\n${output}`);
}

export interface TestAccount {
  id: string;
  email: string;
  password: string;
  token: string;
}

let accounts = 0;

export async function signUp(baseUrl: string, name: string): Promise<TestAccount> {
  const email = `${name.toLowerCase()}-${Date.now().toString(36)}-${accounts++}@example.com`;
  const password = 'correct horse battery';
  const res = await fetch(`${baseUrl}/api/auth/sign-up/email`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: baseUrl },
    body: JSON.stringify({ email, password, name }),
  });
  if (!res.ok) throw new Error(`sign-up failed: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { user: { id: string } };
  return { id: body.user.id, email, password, token: res.headers.get('set-auth-token') as string };
}

export async function signIn(baseUrl: string, account: TestAccount): Promise<string> {
  const res = await fetch(`${baseUrl}/api/auth/sign-in/email`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: baseUrl },
    body: JSON.stringify({ email: account.email, password: account.password }),
  });
  return res.headers.get('set-auth-token') as string;
}

export async function api(baseUrl: string, token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), origin: baseUrl },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}
