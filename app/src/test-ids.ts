/**
 * Stable `data-testid` values the end-to-end tests drive the app by. Changing one breaks those tests: add new
 * ids rather than renaming. Elements that repeat (rows, ops) carry the same id on every item.
 *
 * Auth:        email, password, name, sign-up, sign-in, auth-error, sign-out, discard-and-sign-out,
 *              sign-in-again, reauth-password, reauth-submit
 * Orgs:        org-switcher (a <select>), new-org, new-org-name, create-org, org-name-input, rename-org
 * Projects:    new-project-name, create-project, project-row (text: the project's name), project-link,
 *              project-sync-badge, rename-project, rename-input, rename-save, delete-project, project-title
 * Members:     member-email, member-role, add-member, member-row, member-row-role, member-remove
 * Sync bar:    sync-bar, online-state, offline-toggle, pending-count, failed-count, oldest-pending,
 *              last-synced, stale-badge, clock-offset, sync-now, live-state (text: "Live" or "Polling")
 * Outbox:      outbox-panel, outbox-op (data-status = pending|syncing|failed), op-error, op-last-error,
 *              op-retry, op-discard, op-discard-lane (a failed op with changes queued behind it)
 * Settings:    settings-theme (a <select>), settings-locale, settings-notifications-email,
 *              settings-notifications-digest, settings-font-size, settings-default-tool,
 *              settings-blind-review, setting-error
 * Diagnostics: diagnostics-panel, counter-<name> (e.g. counter-applied), last-error
 * Navigation:  nav-projects, nav-org, nav-settings
 */
export const TEST_IDS = {
  email: 'email',
  password: 'password',
  name: 'name',
  signUp: 'sign-up',
  signIn: 'sign-in',
  authError: 'auth-error',
  signOut: 'sign-out',
  discardAndSignOut: 'discard-and-sign-out',
  signInAgain: 'sign-in-again',
  reauthPassword: 'reauth-password',
  reauthSubmit: 'reauth-submit',

  orgSwitcher: 'org-switcher',
  newOrg: 'new-org',
  newOrgName: 'new-org-name',
  createOrg: 'create-org',
  orgNameInput: 'org-name-input',
  renameOrg: 'rename-org',

  newProjectName: 'new-project-name',
  createProject: 'create-project',
  projectRow: 'project-row',
  projectLink: 'project-link',
  projectSyncBadge: 'project-sync-badge',
  renameProject: 'rename-project',
  renameInput: 'rename-input',
  renameSave: 'rename-save',
  deleteProject: 'delete-project',
  projectTitle: 'project-title',

  memberEmail: 'member-email',
  memberRole: 'member-role',
  addMember: 'add-member',
  memberRow: 'member-row',
  memberRowRole: 'member-row-role',
  memberRemove: 'member-remove',

  syncBar: 'sync-bar',
  onlineState: 'online-state',
  offlineToggle: 'offline-toggle',
  pendingCount: 'pending-count',
  failedCount: 'failed-count',
  oldestPending: 'oldest-pending',
  lastSynced: 'last-synced',
  staleBadge: 'stale-badge',
  clockOffset: 'clock-offset',
  syncNow: 'sync-now',
  liveState: 'live-state',

  outboxPanel: 'outbox-panel',
  outboxOp: 'outbox-op',
  opError: 'op-error',
  opLastError: 'op-last-error',
  opRetry: 'op-retry',
  opDiscard: 'op-discard',
  opDiscardLane: 'op-discard-lane',

  settingsTheme: 'settings-theme',
  settingsLocale: 'settings-locale',
  settingsNotificationsEmail: 'settings-notifications-email',
  settingsNotificationsDigest: 'settings-notifications-digest',
  settingsFontSize: 'settings-font-size',
  settingsDefaultTool: 'settings-default-tool',
  settingsBlindReview: 'settings-blind-review',
  settingError: 'setting-error',

  diagnosticsPanel: 'diagnostics-panel',
  lastError: 'last-error',

  navProjects: 'nav-projects',
  navOrg: 'nav-org',
  navSettings: 'nav-settings',
} as const;

/** A counter's cell in the diagnostics panel: `counter-applied`, `counter-pulls`, … */
export const counterTestId = (name: string) => `counter-${name}`;
