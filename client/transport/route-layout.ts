import { ClientValidationError } from '../errors.js';

/**
 * Where the app's server answers each route the engine calls (docs/routes-contract.md says what each must
 * answer). The engine's own modules, and the ops it stores, speak canonical paths: the default layout under
 * CANONICAL_BASE (`/api/orgs/<orgId>/projects`, …). The layout maps a canonical path to the app's real one at
 * send time, in the transport (http-client.ts) and for the live socket (live-pokes.ts), and nowhere else. So
 * ops queued under one layout replay to another's URLs after the app changes it, and the outbox's grouping and
 * the purge (op-group.ts, purge.ts) keep reading the paths they always read.
 */

/** The ids each route names. */
export interface RouteParams {
  readonly me: Record<string, never>;
  readonly live: Record<string, never>;
  readonly orgs: Record<string, never>;
  readonly orgMembers: { readonly orgId: string };
  readonly projects: { readonly orgId: string };
  /** Every project membership of an org, in one listing (a server that sends org heads has it). */
  readonly orgProjectMembers: { readonly orgId: string };
  readonly projectMembers: { readonly orgId: string; readonly projectId: string };
  readonly userSettings: Record<string, never>;
  readonly orgSettings: { readonly orgId: string };
}
export type RouteName = keyof RouteParams;

/**
 * One route's path under the base: a template whose `:orgId` / `:projectId` placeholders take the ids, or a
 * function of them. It must name every id of its route (each org's projects are their own collection, so two
 * orgs must never share a URL) and be a plain path: a leading `/`, no query, no fragment, no empty or dot
 * segments. A collection's items sit one segment below it (`<projects>/<projectId>`, `<orgMembers>/<userId>`).
 */
export type Route<P> = string | ((params: P) => string);

/**
 * The `routes` option of createSyncEngine: a base path and the routes that differ from the defaults.
 * Defaults (under the base): me `/me`, live `/live`, orgs `/orgs`, orgMembers `/orgs/:orgId/members`,
 * projects `/orgs/:orgId/projects`, orgProjectMembers `/orgs/:orgId/project-members`, projectMembers
 * `/orgs/:orgId/projects/:projectId/members`, userSettings `/settings`, orgSettings `/orgs/:orgId/settings`.
 */
export type RouteLayout = {
  /** Path every route sits under (default `/api`); `/` puts them at the root of `baseUrl`. */
  readonly basePath?: string;
} & { readonly [K in RouteName]?: Route<RouteParams[K]> };

/** The layout as the transport uses it, validated once. */
export interface ResolvedRouteLayout {
  /** The path (and query) a canonical path is sent to, e.g. `/api/orgs/o/projects?limit=200` → `/v2/sync/workspaces/o/studies?limit=200`. */
  pathOf(canonical: string): string;
}

/** The prefix of every canonical path: what ops store and the engine's modules build. */
export const CANONICAL_BASE = '/api';

const DEFAULT_ROUTES: { readonly [K in RouteName]: string } = {
  me: '/me',
  live: '/live',
  orgs: '/orgs',
  orgMembers: '/orgs/:orgId/members',
  projects: '/orgs/:orgId/projects',
  orgProjectMembers: '/orgs/:orgId/project-members',
  projectMembers: '/orgs/:orgId/projects/:projectId/members',
  userSettings: '/settings',
  orgSettings: '/orgs/:orgId/settings',
};
const ROUTE_NAMES = Object.keys(DEFAULT_ROUTES) as RouteName[];

const PLACEHOLDER = /:([A-Za-z]\w*)/g;
const idsOf = (template: string) => [...template.matchAll(PLACEHOLDER)].map((m) => m[1]!);
/**
 * A plain absolute path: `/`-led segments of RFC 3986 pchars (percent-escapes well formed), none empty, none a
 * dot segment. So no query or fragment: the engine appends its own query (`?cursor=&limit=`, `?scope=`).
 */
const PATH = /^(?:\/(?!\.\.?(?:\/|$))(?:[\w\-.~!$&'()*+,;=:@]|%[\dA-Fa-f]{2})+)+$/;
const isPath = (path: unknown): path is string => typeof path === 'string' && PATH.test(path);
const PLAIN = 'is not a plain path (a leading "/", no query, fragment, empty or dot segment)';
/** Ids a route is tried with when the layout is built: distinct, and shaped like the real ones (uuids). */
const PROBE: Record<string, string> = { orgId: '00000000-0000-4000-8000-00000000000a', projectId: '00000000-0000-4000-8000-00000000000b' };

type Render = (ids: Record<string, string>) => string;

/**
 * A route as given, checked by rendering it with the probe ids: a path, naming each id of the route. A function
 * is checked again on every call (it may answer well for the probe and not for a real id): a bad path is a bug
 * of the app's layout, not a network failure, so it throws and the cycle fails with it, unsent.
 */
function compileRoute(name: RouteName, route: unknown): Render {
  const ids = idsOf(DEFAULT_ROUTES[name]);
  const fail = (why: string): never => {
    throw new ClientValidationError(`routes.${name}: ${why}`);
  };
  let render: (ids: Record<string, string>) => unknown;
  if (typeof route === 'string') {
    if (idsOf(route).some((id) => !ids.includes(id))) fail(`${JSON.stringify(route)} names an id this route does not have (${ids.join(', ') || 'none'})`);
    render = (values) => route.replace(PLACEHOLDER, (_, id: string) => values[id]!);
  } else if (typeof route === 'function') render = route as Render;
  else return fail(`a path template or a function, got ${JSON.stringify(route)}`);
  const probe = Object.fromEntries(ids.map((id) => [id, PROBE[id]!]));
  let path: unknown;
  try {
    path = render(probe);
  } catch (error) {
    fail(`threw for ${JSON.stringify(probe)}: ${String(error)}`);
  }
  if (!isPath(path)) fail(`${JSON.stringify(path)} ${PLAIN}`);
  const missing = ids.find((id) => !(path as string).includes(probe[id]!));
  if (missing) fail(`the path must name the route's ${missing}`);
  if (typeof route === 'string') return render as Render;
  return (values) => {
    const real = render(values);
    return isPath(real) ? real : fail(`${JSON.stringify(real)} for ${JSON.stringify(values)} ${PLAIN}`);
  };
}

/**
 * Validates a layout (ClientValidationError naming the route at fault) and returns its mapping. Ids travel as
 * they appear in the canonical path (already path-safe there), not encoded again. A canonical path that names
 * no route of the table (none the engine sends today) keeps its tail under the base.
 */
export function resolveRouteLayout(layout: RouteLayout | undefined): ResolvedRouteLayout {
  const given = (layout === undefined ? {} : layout) as Record<string, unknown>;
  if (typeof given !== 'object' || given === null || Array.isArray(given)) throw new ClientValidationError(`routes: an object, got ${JSON.stringify(layout)}`);
  for (const key in given) if (key !== 'basePath' && !(key in DEFAULT_ROUTES)) throw new ClientValidationError(`routes.${key}: no such route (${ROUTE_NAMES.join(', ')})`);
  // A trailing slash on the base is dropped: `/v2/sync/` is `/v2/sync`, and `/` is the root of baseUrl.
  const basePath = given.basePath ?? CANONICAL_BASE;
  const base = typeof basePath === 'string' ? basePath.replace(/\/+$/, '') : basePath;
  if (base !== '' && !isPath(base)) throw new ClientValidationError(`routes.basePath: ${JSON.stringify(basePath)} ${PLAIN}`);
  const routes = ROUTE_NAMES.map((name) => [compileRoute(name, given[name] === undefined ? DEFAULT_ROUTES[name] : given[name]), DEFAULT_ROUTES[name].split('/')] as const);
  return {
    pathOf(canonical) {
      const [path = '', query] = canonical.split(/(?=\?)/, 2) as [string, string?];
      if (!path.startsWith(`${CANONICAL_BASE}/`)) throw new ClientValidationError(`not a canonical path: ${canonical}`);
      const tail = path.slice(CANONICAL_BASE.length);
      const segments = tail.split('/');
      // An exact route first (`/orgs/o/settings` is org settings, not an item of something), then an item one below.
      for (const item of [0, 1]) {
        for (const [render, template] of routes) {
          const ids: Record<string, string> = {};
          if (segments.length === template.length + item && template.every((t, i) => (t[0] === ':' ? (ids[t.slice(1)] = segments[i]!) : t === segments[i]))) {
            return `${base}${render(ids)}${item ? `/${segments[template.length]}` : ''}${query ?? ''}`;
          }
        }
      }
      return `${base}${tail}${query ?? ''}`;
    },
  };
}

/** The absolute URL of a layout's path: `baseUrl` keeps its own path (an API under `https://host/app`). */
export function urlOf(baseUrl: string, path: string): string {
  return `${baseUrl.replace(/\/+$/, '')}${path}`;
}
