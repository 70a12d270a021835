import { Link, paths } from '../routing/router.js';
import type { Session } from '../session/session-store.js';
import { TEST_IDS } from '../test-ids.js';
import { OrgSwitcher } from './org-switcher.js';
import { SignOutButton } from './sign-out-button.js';

/** Brand, the org being worked in, the main pages, and who is signed in. */
export function AppHeader({ session }: { session: Session }) {
  return (
    <header className="app-header">
      <div className="header-row">
        <Link to={paths.projects} className="brand">
          Appraisal
        </Link>
        <OrgSwitcher />
        <div className="user">
          <span className="user-name" title={session.email}>
            {session.name || session.email}
          </span>
          <SignOutButton />
        </div>
      </div>
      <nav className="main-nav" aria-label="Main">
        <Link to={paths.projects} data-testid={TEST_IDS.navProjects}>
          Projects
        </Link>
        <Link to={paths.org} data-testid={TEST_IDS.navOrg}>
          Organization
        </Link>
        <Link to={paths.settings} data-testid={TEST_IDS.navSettings}>
          Settings
        </Link>
      </nav>
    </header>
  );
}
