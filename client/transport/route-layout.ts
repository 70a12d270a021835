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

/** A path segment: RFC 3986 pchars, percent-escapes well formed. */
const SEGMENT = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})+$/;
const PLACEHOLDER = /:([A-Za-z][A-Za-z0-9]*)/g;

function placeholders(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1]!);
}

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
const eachRoute = <T>(of: (name: RouteName) => T) => Object.fromEntries(ROUTE_NAMES.map((name) => [name, of(name)])) as unknown as Record<RouteName, T>;
const PARAMS_OF = eachRoute((name) => placeholders(DEFAULT_ROUTES[name]));

/** Ids a function route is tried with when the layout is built: distinct, and shaped like the real ones (uuids). */
const PROBE: Record<string, string> = { orgId: '00000000-0000-4000-8000-00000000000a', projectId: '00000000-0000-4000-8000-00000000000b' };

/** Why `path` is not a plain absolute path (to follow the path itself), or null when it is one. */
function pathProblem(path: unknown): string | null {
  if (typeof path !== 'string') return 'is not a string';
  if (!path.startsWith('/')) return 'does not start with "/"';
  for (const segment of path.slice(1).split('/')) {
    if (segment === '') return 'has an empty segment';
    if (segment === '.' || segment === '..') return 'has a dot segment';
    if (!SEGMENT.test(segment)) return 'holds a character a path may not (a query, a fragment, a space, …)';
  }
  return null;
}

const shown = (value: unknown) => (typeof value === 'string' ? JSON.stringify(value) : value === null ? 'null' : `a ${typeof value}`);

type Render = (params: Record<string, string>) => string;

/** A route as given, checked, as a function from ids to its path under the base. */
function compileRoute(name: RouteName, route: unknown): Render {
  const params = PARAMS_OF[name];
  const refuse = (why: string) => new ClientValidationError(`routes.${name}: ${why}`);
  if (typeof route === 'string') {
    const named = placeholders(route);
    const foreign = named.find((p) => !params.includes(p));
    if (foreign) throw refuse(`:${foreign} is not an id of this route (it has ${params.length > 0 ? params.map((p) => `:${p}`).join(', ') : 'none'})`);
    const missing = params.find((p) => !named.includes(p));
    if (missing) throw refuse(`the template must name :${missing}`);
    const render: Render = (values) => route.replace(PLACEHOLDER, (_, p: string) => values[p]!);
    const problem = pathProblem(render(PROBE));
    if (problem) throw refuse(`${JSON.stringify(route)} ${problem}`);
    return render;
  }
  if (typeof route === 'function') {
    const call = route as (params: Record<string, string>) => unknown;
    const probe = Object.fromEntries(params.map((p) => [p, PROBE[p]!]));
    let probed: unknown;
    try {
      probed = call(probe);
    } catch (error) {
      throw refuse(`the function threw for ${JSON.stringify(probe)}: ${error instanceof Error ? error.message : String(error)}`);
    }
    const problem = pathProblem(probed);
    if (problem) throw refuse(`the function returned ${shown(probed)}, which ${problem}`);
    const missing = params.find((p) => !(probed as string).includes(probe[p]!));
    if (missing) throw refuse(`the function's path must contain the ${missing} it is given`);
    // Checked on every call too: a function may answer well for the probe and not for a real id. A bad path
    // is a bug of the app's layout, not a network failure: it throws, and the cycle fails with it, unsent.
    return (values) => {
      const path = call(values);
      const bad = pathProblem(path);
      if (bad) throw refuse(`the function returned ${shown(path)} for ${JSON.stringify(values)}, which ${bad}`);
      return path as string;
    };
  }
  throw refuse(`a path template or a function, got ${route === null ? 'null' : typeof route}`);
}

function compileBase(basePath: unknown): string {
  if (basePath === undefined) return CANONICAL_BASE;
  if (basePath === '/') return '';
  const trimmed = typeof basePath === 'string' ? basePath.replace(/\/+$/, '') : basePath;
  const problem = pathProblem(trimmed);
  if (problem) throw new ClientValidationError(`routes.basePath: ${shown(basePath)} ${problem}`);
  return trimmed as string;
}

/** A canonical path split into its route, the ids it names, an item segment below it, and its query. */
interface CanonicalMatch {
  readonly name: RouteName;
  readonly params: Record<string, string>;
  readonly item: string | null;
}

const CANONICAL_SEGMENTS = ROUTE_NAMES.map((name) => ({ name, segments: DEFAULT_ROUTES[name].slice(1).split('/') }));

function matchCanonical(segments: readonly string[]): CanonicalMatch | null {
  // An exact route first (`/orgs/o/settings` is org settings, not an item of something), then an item one below.
  for (const withItem of [false, true]) {
    for (const { name, segments: template } of CANONICAL_SEGMENTS) {
      if (segments.length !== template.length + (withItem ? 1 : 0)) continue;
      const params: Record<string, string> = {};
      if (!template.every((t, i) => (t.startsWith(':') ? (params[t.slice(1)] = segments[i]!) !== '' : t === segments[i]))) continue;
      return { name, params, item: withItem ? segments[segments.length - 1]! : null };
    }
  }
  return null;
}

/**
 * Validates a layout (ClientValidationError naming the route at fault) and returns its mapping. Ids travel as
 * they appear in the canonical path (already path-safe there), unencoded again. A canonical path that names no
 * route of the table (none the engine sends today) keeps its tail under the base.
 */
export function resolveRouteLayout(layout: RouteLayout | undefined): ResolvedRouteLayout {
  if (layout !== undefined && (layout === null || typeof layout !== 'object' || Array.isArray(layout))) {
    throw new ClientValidationError(`routes: an object of a basePath and routes, got ${layout === null ? 'null' : typeof layout}`);
  }
  const given = (layout ?? {}) as Record<string, unknown>;
  const stray = Object.keys(given).find((key) => key !== 'basePath' && !(ROUTE_NAMES as string[]).includes(key));
  if (stray) throw new ClientValidationError(`routes.${stray}: no such route (routes are basePath, ${ROUTE_NAMES.join(', ')})`);
  const base = compileBase(given.basePath);
  const render = eachRoute((name) => compileRoute(name, given[name] === undefined ? DEFAULT_ROUTES[name] : given[name]));
  return {
    pathOf(canonical) {
      const at = canonical.indexOf('?');
      const path = at < 0 ? canonical : canonical.slice(0, at);
      const query = at < 0 ? '' : canonical.slice(at);
      if (path !== CANONICAL_BASE && !path.startsWith(`${CANONICAL_BASE}/`)) throw new ClientValidationError(`not a canonical path: ${JSON.stringify(canonical)}`);
      const tail = path.slice(CANONICAL_BASE.length);
      const match = matchCanonical(tail.slice(1).split('/'));
      if (!match) return `${base}${tail}${query}`;
      return `${base}${render[match.name](match.params)}${match.item === null ? '' : `/${match.item}`}${query}`;
    },
  };
}

/** The absolute URL of a layout's path: `baseUrl` keeps its own path (an API under `https://host/app`). */
export function urlOf(baseUrl: string, path: string): string {
  return `${baseUrl.replace(/\/+$/, '')}${path}`;
}
