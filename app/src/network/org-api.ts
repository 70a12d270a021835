import { appFetch } from './offline-mode.js';

/**
 * Org creation and renaming. The engine has no queued write for these (an org is where offline writes live,
 * so it must exist on the server first): they go straight to the API and need the network.
 */
export class OrgApiError extends Error {
  override name = 'OrgApiError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const MAX_NAME = 255;

function checkedName(name: string): string {
  const trimmed = name.trim();
  if (!trimmed) throw new OrgApiError('VALIDATION_FAILED', 'Give the organization a name.');
  if (trimmed.length > MAX_NAME) throw new OrgApiError('VALIDATION_FAILED', `An organization name has at most ${MAX_NAME} characters.`);
  return trimmed;
}

async function send(token: string, method: 'POST' | 'PATCH', path: string, body: unknown): Promise<unknown> {
  let response: Response;
  try {
    response = await appFetch(`${window.location.origin}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        // A retry after a lost answer must not create a second org.
        'idempotency-key': crypto.randomUUID(),
      },
      body: JSON.stringify(body),
    });
  } catch {
    throw new OrgApiError('OFFLINE', 'You are offline. Organizations are created and renamed on the server: try again once you are back online.');
  }
  const text = await response.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: reported below by status
  }
  if (!response.ok) {
    const error = (parsed ?? {}) as { code?: string; message?: string };
    if (response.status === 401) throw new OrgApiError('AUTH_REQUIRED', 'Your session has ended: sign in again (in the sync bar), then retry.');
    throw new OrgApiError(error.code ?? `HTTP_${response.status}`, error.message ?? `The server refused (${response.status}).`);
  }
  return parsed;
}

/** Creates an org (the caller becomes its owner) with a client-chosen id; resolves with that id. */
export async function createOrg(token: string, name: string): Promise<string> {
  const id = crypto.randomUUID();
  await send(token, 'POST', '/api/orgs', { id, name: checkedName(name) });
  return id;
}

export async function renameOrg(token: string, orgId: string, name: string): Promise<void> {
  await send(token, 'PATCH', `/api/orgs/${orgId}`, { name: checkedName(name) });
}
