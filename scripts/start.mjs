#!/usr/bin/env node
// `npm start`: one command from a fresh clone to a running app + API on a local D1.
//   1. .dev.vars with a random BETTER_AUTH_SECRET, created once and never committed;
//   2. the app built into dist/app (served by the Worker as static assets);
//   3. D1 migrations applied to the local database (offline, no prompt);
//   4. `wrangler dev` on 127.0.0.1:$PORT (default 8787), quiet and offline, stopped with its process group, with
//      localhost origins trusted (local development only; see README, "Auth and CORS").
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildApp } from './build-app.mjs';
import { localDevVarArgs, quietWranglerEnv } from './wrangler-env.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const wrangler = join(root, 'node_modules', '.bin', 'wrangler');
const port = Number(process.env.PORT ?? 8787);
const host = '127.0.0.1';

if (!existsSync(wrangler)) {
  console.error('wrangler is not installed: run `npm ci` first.');
  process.exit(1);
}
if (!Number.isInteger(port) || port < 1 || port > 65535) {
  console.error(`PORT must be a TCP port number, got ${process.env.PORT}`);
  process.exit(1);
}

const devVars = join(root, '.dev.vars');
if (!existsSync(devVars)) {
  writeFileSync(devVars, `BETTER_AUTH_SECRET=${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
  console.log('created .dev.vars with a new BETTER_AUTH_SECRET');
}

console.log('building the app into dist/app');
try {
  buildApp();
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}

const migrationsDir = join(root, 'server', 'migrations');
if (existsSync(migrationsDir) && readdirSync(migrationsDir).some((f) => f.endsWith('.sql'))) {
  const applied = spawnSync(wrangler, ['d1', 'migrations', 'apply', 'DB', '--local'], {
    cwd: root,
    env: quietWranglerEnv,
    encoding: 'utf8',
  });
  if (applied.status !== 0) {
    console.error(applied.stdout, applied.stderr);
    console.error('applying D1 migrations failed');
    process.exit(1);
  }
}

const child = spawn(wrangler, ['dev', '--ip', host, '--port', String(port), ...localDevVarArgs, '--log-level', 'log'], {
  cwd: root,
  env: quietWranglerEnv,
  detached: true,
  stdio: ['ignore', 'inherit', 'inherit'],
});

/** @param {NodeJS.Signals} signal */
const signalGroup = (signal) => {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // the group is already gone
  }
};
// Stop wrangler and workerd together (they share the child's process group); SIGKILL if they linger.
const stop = () => {
  signalGroup('SIGTERM');
  setTimeout(() => signalGroup('SIGKILL'), 5000).unref();
};
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, stop);
child.on('exit', (code) => {
  signalGroup('SIGKILL'); // workerd may outlive wrangler
  process.exit(code ?? 0);
});

// Announce the URL once the Worker answers, so "started" means "serving".
const url = `http://${host}:${port}`;
const deadline = Date.now() + 60_000;
while (Date.now() < deadline) {
  try {
    const res = await fetch(`${url}/api/health`);
    if (res.ok) {
      console.log(`sync engine API and app listening on ${url}  (Ctrl-C stops it)`);
      break;
    }
  } catch {
    // not up yet
  }
  await new Promise((r) => setTimeout(r, 250));
}
if (Date.now() >= deadline) {
  console.error(`wrangler dev did not answer ${url}/api/health within 60 s`);
  signalGroup('SIGKILL');
  process.exit(1);
}
