import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app.js';
import { sessions } from './session/session-controller.js';
import { THEME_KEY } from './ui/theme-sync.js';

// The last theme applies before the first paint (no flash); the user's synced setting takes over after.
document.documentElement.dataset.theme = localStorage.getItem(THEME_KEY) ?? 'system';
// A returning user's engine opens now: the first render reads their IndexedDB, not the network.
sessions.restore();

// The app shell's service worker lets the app open offline (not under `npm run dev`: it would cache HMR files).
if (import.meta.env.PROD && 'serviceWorker' in navigator) {
  navigator.serviceWorker.register('/sw.js').catch((error: unknown) => console.warn('offline start unavailable:', error));
}

createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
