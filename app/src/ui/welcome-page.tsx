import { CreateOrgForm } from './create-org-form.js';

/** A user in no org yet: what an org is for, and the form that creates the first one. */
export function WelcomePage() {
  return (
    <>
      <div className="page-head">
        <h1>Welcome</h1>
        <p className="muted">Projects live in an organization. Create one for your team; you can invite colleagues by email afterwards.</p>
      </div>
      <section className="panel" aria-label="Create your first organization">
        <CreateOrgForm />
      </section>
      <p className="hint">Joining a colleague’s organization instead? Once they add your email, it appears here with the next sync.</p>
    </>
  );
}
