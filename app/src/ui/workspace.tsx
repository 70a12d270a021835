import { SyncProvider } from 'offline-sync-engine/client/react';
import { CurrentOrgProvider, useCurrentOrg } from '../hooks/current-org.js';
import { parseRoute, usePathname } from '../routing/router.js';
import type { SignedIn } from '../session/session-controller.js';
import { AppHeader } from './app-header.js';
import { DiagnosticsPanel } from './diagnostics-panel.js';
import { NotFoundPage } from './not-found-page.js';
import { OrgPage } from './org-page.js';
import { OutboxPanel } from './outbox-panel.js';
import { ProjectPage } from './project-page.js';
import { ProjectsPage } from './projects-page.js';
import { SettingsPage } from './settings-page.js';
import { SyncBar } from './sync-bar.js';
import { ThemeSync } from './theme-sync.js';
import { WelcomePage } from './welcome-page.js';

/**
 * The signed-in app: header, the sync bar (always visible), the page, and the outbox and diagnostics beside
 * it (below it on a narrow screen). Everything renders from IndexedDB first; nothing waits for the network.
 */
export function Workspace({ signedIn }: { signedIn: SignedIn }) {
  return (
    <SyncProvider engine={signedIn.engine}>
      <CurrentOrgProvider userId={signedIn.session.userId}>
        <ThemeSync />
        <a className="skip-link" href="#main">
          Skip to content
        </a>
        <AppHeader session={signedIn.session} />
        <SyncBar />
        <div className="layout">
          <main id="main" className="content" tabIndex={-1}>
            <Page />
          </main>
          <aside className="side" aria-label="Sync details">
            <OutboxPanel />
            <DiagnosticsPanel />
          </aside>
        </div>
      </CurrentOrgProvider>
    </SyncProvider>
  );
}

function Page() {
  const route = parseRoute(usePathname());
  const { org } = useCurrentOrg();
  if (route.name === 'not-found') return <NotFoundPage />;
  if (org === undefined) return <p className="muted">Reading your data…</p>;
  if (route.name === 'settings') return <SettingsPage org={org} />;
  if (org === null) return <WelcomePage />;
  if (route.name === 'org') return <OrgPage org={org} />;
  if (route.name === 'project') return <ProjectPage org={org} projectId={route.projectId} />;
  return <ProjectsPage org={org} />;
}
