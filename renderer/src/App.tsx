import { useBrowserNotifications } from './pages/notifications/browser-notifications.js';
import { useEffect } from 'react';
import { useServices } from './app-context.js';
import { mayCall, RoleProvider, type Role } from './access.js';
import { StorageBanner } from './components/StorageBanner.js';
import { CamerasPage } from './pages/cameras/CamerasPage.js';
import { ExportsPage } from './pages/exports/ExportsPage.js';
import { PlaybackPage } from './pages/playback/PlaybackPage.js';
import { EventsPage } from './pages/events/EventsPage.js';
import { LivePage } from './pages/live/LivePage.js';
import { StoragePage } from './pages/storage/StoragePage.js';
import { SystemPage } from './pages/SystemPage.js';
import { UsersPage } from './pages/users/UsersPage.js';
import { hrefFor, ROUTES, useRoute, type RouteId } from './routes.js';

/** Pages of configuration a viewer account cannot use (the gateway refuses their calls); not listed for it. */
const ADMIN_PAGES: ReadonlySet<RouteId> = new Set(['storage', 'users', 'system']);

const TRANSPORT_LABELS = { ipc: 'Desktop engine', http: 'Network server', fake: 'Test engine' } as const;

/** What a viewer sees at the address of an admin page (typed or bookmarked; the navigation does not list it). */
function AdminOnly() {
  return (
    <section className="page" aria-labelledby="page-title">
      <header className="page__header">
        <h1 id="page-title">Not available</h1>
      </header>
      <p data-testid="admin-only">This page needs an admin account. Ask an admin of this OmniSight.</p>
    </section>
  );
}

function Page({ route, role }: { route: RouteId; role: Role }) {
  if (role === 'viewer' && ADMIN_PAGES.has(route)) return <AdminOnly />;
  switch (route) {
    case 'live':
      return <LivePage />;
    case 'playback':
      return <PlaybackPage />;
    case 'events':
      return <EventsPage />;
    case 'exports':
      return <ExportsPage />;
    case 'cameras':
      return <CamerasPage />;
    case 'storage':
      return <StoragePage />;
    case 'users':
      return <UsersPage />;
    case 'system':
      return <SystemPage />;
  }
}

/** The signed-in gateway account (web UI only), shown under the navigation with a sign-out button. */
export interface SignedInAccount {
  name: string;
  role: 'admin' | 'viewer';
  onSignOut: () => void;
}

/** The shell: navigation on the left, one page on the right. */
export function App({ account }: { account?: SignedInAccount } = {}) {
  const { cameras, storage, transport } = useServices();
  const route = useRoute();
  const role: Role = account?.role ?? 'desktop';
  // The storage status is an admin's concern (the gateway refuses it to viewers): no banner, no polling.
  const watchStorage = mayCall(role, 'storage.status');

  // The camera list is shared by several pages and follows engine events for as long as the window is open.
  useEffect(() => {
    cameras.getState().start();
    return () => cameras.getState().stop();
  }, [cameras]);

  // New events as browser notifications in the web UI (the Electron shell shows its own).
  useBrowserNotifications(
    transport,
    () => cameras.getState().cameras,
    mayCall(role, 'notifications.settings.get'),
  );

  // The storage status feeds the low-space banner on every page.
  useEffect(() => {
    if (!watchStorage) return;
    storage.getState().start();
    return () => storage.getState().stop();
  }, [storage, watchStorage]);

  return (
    <RoleProvider role={role}>
      <div className="shell">
        <nav className="sidebar" aria-label="Main">
          <div className="brand">
            <span className="brand__mark" aria-hidden="true" />
            OmniSight
          </div>
          <ul className="nav">
            {ROUTES.filter(({ id }) => role !== 'viewer' || !ADMIN_PAGES.has(id)).map(({ id, label }) => (
              <li key={id}>
                <a
                  className="nav__link"
                  href={hrefFor(id)}
                  aria-current={route === id ? 'page' : undefined}
                  data-testid={`nav-${id}`}
                >
                  {label}
                </a>
              </li>
            ))}
          </ul>
          {account === undefined ? null : (
            <div className="sidebar__account">
              <span className="small" data-testid="signed-in-as">
                {account.name} ({account.role})
              </span>
              <button
                type="button"
                className="button button--small"
                data-testid="sign-out"
                onClick={account.onSignOut}
              >
                Sign out
              </button>
            </div>
          )}
          <p className="sidebar__footer muted">{TRANSPORT_LABELS[transport.kind]}</p>
        </nav>
        <main className="content">
          {watchStorage ? <StorageBanner /> : null}
          <Page route={route} role={role} />
        </main>
      </div>
    </RoleProvider>
  );
}
