// The app shell's service worker: it lets the app open with no network, so a returning user sees their data
// from IndexedDB. Only the shell is cached (index.html and Vite's hashed /assets/ files); /api is never
// touched here: data is the sync engine's job, and requests it does not answer go to the network unchanged.
//   navigation  network first (a fresh index.html is cached); offline: the cached index.html (any path: SPA)
//   /assets/*   cache first (hashed names never change); a miss is fetched and cached
const CACHE = 'appraisal-shell-v1';
const SHELL = '/';

/** The /assets/ files an index.html references (its script and stylesheet). */
const assetsOf = (html) => [...new Set(html.match(/\/assets\/[^"'\s)]+/g) ?? [])];

/** Caches a fresh index.html with its assets, and drops assets no longer referenced (old builds). */
async function cacheShell(response) {
  const cache = await caches.open(CACHE);
  const html = await response.clone().text();
  const assets = assetsOf(html);
  await cache.put(SHELL, response);
  await Promise.all(assets.map(async (url) => (await cache.match(url)) ?? cache.add(url).catch(() => undefined)));
  for (const request of await cache.keys()) {
    const path = new URL(request.url).pathname;
    if (path.startsWith('/assets/') && !assets.includes(path)) await cache.delete(request);
  }
}

self.addEventListener('install', (event) => {
  event.waitUntil(
    fetch(SHELL, { cache: 'reload' })
      .then((response) => (response.ok ? cacheShell(response) : undefined))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((n) => n !== CACHE).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin || url.pathname.startsWith('/api/')) return;

  if (request.mode === 'navigate') {
    event.respondWith(
      fetch(request)
        .then((response) => {
          if (response.ok && (response.headers.get('content-type') ?? '').includes('text/html')) event.waitUntil(cacheShell(response.clone()));
          return response;
        })
        .catch(async () => (await caches.match(SHELL)) ?? Response.error()),
    );
    return;
  }

  if (url.pathname.startsWith('/assets/')) {
    event.respondWith(
      caches.match(request).then(
        (cached) =>
          cached ??
          fetch(request).then(async (response) => {
            if (response.ok) await (await caches.open(CACHE)).put(request, response.clone());
            return response;
          }),
      ),
    );
  }
});
