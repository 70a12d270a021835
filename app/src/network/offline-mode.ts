import { useSyncExternalStore } from 'react';

/**
 * The "offline mode" switch: while it is on, every request the app makes (the engine's, Better Auth's, the org
 * calls) fails the way a dropped network does, with TypeError('Failed to fetch'). It is kept in localStorage,
 * so it survives a reload and holds in every tab of this browser (the tab that syncs may be another one).
 */
const KEY = 'appraisal:offline-mode';
const listeners = new Set<() => void>();
let on = localStorage.getItem(KEY) === '1';

const emit = () => listeners.forEach((listener) => listener());

window.addEventListener('storage', (event) => {
  if (event.key !== KEY) return;
  on = event.newValue === '1';
  emit();
});

export const offlineMode = {
  isOn: (): boolean => on,
  set(next: boolean): void {
    on = next;
    if (next) localStorage.setItem(KEY, '1');
    else localStorage.removeItem(KEY);
    emit();
  },
  subscribe(listener: () => void): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};

/** The fetch every part of the app uses: the browser's, cut while offline mode is on. */
export const appFetch: typeof fetch = (input, init) =>
  on ? Promise.reject(new TypeError('Failed to fetch')) : globalThis.fetch(input, init);

export function useOfflineMode(): boolean {
  return useSyncExternalStore(offlineMode.subscribe, offlineMode.isOn);
}
