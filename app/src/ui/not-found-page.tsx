import { Link, paths } from '../routing/router.js';

export function NotFoundPage() {
  return (
    <div className="panel empty">
      <h1>Page not found</h1>
      <p>There is nothing at this address.</p>
      <Link to={paths.projects}>Go to your projects</Link>
    </div>
  );
}
