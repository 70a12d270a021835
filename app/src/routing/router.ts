import { createElement, useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from 'react';

/**
 * The app's pages as paths. The Worker answers any non-/api path with index.html (SPA fallback), so every
 * path below can be reloaded or opened from a link.
 */
export type Route =
  | { readonly name: 'projects' }
  | { readonly name: 'project'; readonly projectId: string }
  | { readonly name: 'org' }
  | { readonly name: 'settings' }
  | { readonly name: 'not-found' };

export const paths = {
  projects: '/',
  project: (projectId: string) => `/projects/${encodeURIComponent(projectId)}`,
  org: '/org',
  settings: '/settings',
} as const;

export function parseRoute(pathname: string): Route {
  if (pathname === '/' || pathname === '') return { name: 'projects' };
  if (pathname === '/org') return { name: 'org' };
  if (pathname === '/settings') return { name: 'settings' };
  const project = /^\/projects\/([^/]+)$/.exec(pathname);
  if (project?.[1]) return { name: 'project', projectId: decodeURIComponent(project[1]) };
  return { name: 'not-found' };
}

const NAVIGATED = 'app:navigated';

export function navigate(path: string): void {
  if (path === window.location.pathname) return;
  window.history.pushState(null, '', path);
  window.dispatchEvent(new Event(NAVIGATED));
}

function subscribe(listener: () => void): () => void {
  window.addEventListener('popstate', listener);
  window.addEventListener(NAVIGATED, listener);
  return () => {
    window.removeEventListener('popstate', listener);
    window.removeEventListener(NAVIGATED, listener);
  };
}

export function usePathname(): string {
  return useSyncExternalStore(subscribe, () => window.location.pathname);
}

/** An in-app link: a real <a href> (open in a new tab works), navigated without a reload on a plain click. */
export function Link({ to, onClick, ...rest }: { to: string } & AnchorHTMLAttributes<HTMLAnchorElement>) {
  const pathname = usePathname();
  const handle = (event: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(event);
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(to);
  };
  return createElement('a', { ...rest, href: to, onClick: handle, 'aria-current': pathname === to ? 'page' : undefined });
}
