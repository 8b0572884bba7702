import './zod-without-eval.js';
import './styles.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { AuthState, SessionInfo } from '../../common/contract/index.js';
import { ServicesProvider, type AppServices } from './app-context.js';
import { App, type SignedInAccount } from './App.js';
import { SignInPage } from './pages/SignInPage.js';
import { createCamerasStore } from './store/cameras-store.js';
import { createHealthStore } from './store/health-store.js';
import { createStorageStore } from './store/storage-store.js';
import { createDefaultTransport } from './transport/index.js';

const root = document.getElementById('root');
if (root === null) throw new Error('index.html lacks the #root element.');
const reactRoot = createRoot(root);

async function post(route: string, body: unknown): Promise<{ status: number; body: unknown }> {
  const response = await fetch(route, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
  });
  let parsed: unknown = null;
  try {
    parsed = (await response.json()) as unknown;
  } catch {
    // 204 and non-JSON answers
  }
  return { status: response.status, body: parsed };
}

function renderApp(account: SignedInAccount | undefined): void {
  const transport = createDefaultTransport();
  const services: AppServices = {
    transport,
    cameras: createCamerasStore(transport),
    health: createHealthStore(transport),
    storage: createStorageStore(transport),
  };
  reactRoot.render(
    <StrictMode>
      <ServicesProvider services={services}>
        <App {...(account === undefined ? {} : { account })} />
      </ServicesProvider>
    </StrictMode>,
  );
}

/** The web UI signs in to the gateway first; the desktop app (IPC) needs no sign-in. */
async function start(): Promise<void> {
  if (window.omnisight !== undefined) {
    renderApp(undefined);
    return;
  }
  const me = await fetch('/api/auth/me', { headers: { accept: 'application/json' } });
  if (me.status === 200) {
    const session = SessionInfo.parse(await me.json());
    renderApp({
      name: session.user.name,
      role: session.user.role,
      onSignOut: () => void post('/api/auth/logout', {}).then(() => window.location.reload()),
    });
    return;
  }
  const state = AuthState.parse(await (await fetch('/api/auth/state')).json());
  reactRoot.render(
    <StrictMode>
      <SignInPage
        setupRequired={state.setupRequired}
        post={post}
        onSignedIn={() => window.location.reload()}
      />
    </StrictMode>,
  );
}

void start().catch((error: unknown) => {
  root.textContent = `OmniSight could not start: ${error instanceof Error ? error.message : String(error)}`;
});
