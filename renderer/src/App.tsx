import { useBrowserNotifications } from './pages/notifications/browser-notifications.js';
import { useEffect } from 'react';
import { useServices } from './app-context.js';
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

function Page({ route }: { route: RouteId }) {
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

  // The camera list is shared by several pages and follows engine events for as long as the window is open.
  useEffect(() => {
    cameras.getState().start();
    return () => cameras.getState().stop();
  }, [cameras]);

  // New events as browser notifications in the web UI (the Electron shell shows its own).
  useBrowserNotifications(transport, () => cameras.getState().cameras);

  // The storage status feeds the low-space banner on every page.
  useEffect(() => {
    storage.getState().start();
    return () => storage.getState().stop();
  }, [storage]);

  return (
    <div className="shell">
      <nav className="sidebar" aria-label="Main">
        <div className="brand">
          <span className="brand__mark" aria-hidden="true" />
          OmniSight
        </div>
        <ul className="nav">
          {ROUTES.filter(({ id }) => account?.role !== 'viewer' || !ADMIN_PAGES.has(id)).map(
            ({ id, label }) => (
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
            ),
          )}
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
        <StorageBanner />
        <Page route={route} />
      </main>
    </div>
  );
}
