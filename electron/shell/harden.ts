import { isAppUrl } from './app-protocol.js';
import { isNavigationAllowed, isPermissionAllowed, windowOpenDecision } from './security.js';

/** A navigation event as Electron's `will-navigate` / `will-redirect` deliver it. */
export interface NavigationEvent {
  readonly url: string;
  preventDefault(): void;
}

/** The slice of Electron's `WebContents` that `hardenWebContents` wires. */
export interface HardenableWebContents {
  getURL(): string;
  on(event: 'will-navigate' | 'will-redirect', listener: (event: NavigationEvent) => void): unknown;
  on(event: 'will-attach-webview', listener: (event: { preventDefault(): void }) => void): unknown;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
}

/** The slice of Electron's `Session` that `hardenSession` wires. */
export interface HardenableSession {
  setPermissionRequestHandler(
    handler: (
      webContents: unknown,
      permission: string,
      callback: (granted: boolean) => void,
      details: { requestingUrl: string },
    ) => void,
  ): void;
  setPermissionCheckHandler(
    handler: (webContents: unknown, permission: string, requestingOrigin: string) => boolean,
  ): void;
}

/** What the hardening reports and hands to the OS. */
export interface HardenOptions {
  /** `shell.openExternal`; only ever called with http(s) URLs. */
  openExternal: (url: string) => Promise<void>;
  onBlocked: (what: 'navigation' | 'redirect' | 'window' | 'webview', url: string) => void;
}

/**
 * Applied to every webContents the app creates (`app.on('web-contents-created')`), the main window included:
 * no navigation away from the page, no new windows, no `<webview>`.
 */
export function hardenWebContents(contents: HardenableWebContents, options: HardenOptions): void {
  const guard =
    (what: 'navigation' | 'redirect') =>
    (event: NavigationEvent): void => {
      if (isNavigationAllowed(contents.getURL(), event.url)) return;
      event.preventDefault();
      options.onBlocked(what, event.url);
    };
  contents.on('will-navigate', guard('navigation'));
  contents.on('will-redirect', guard('redirect'));
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
    options.onBlocked('webview', '');
  });
  contents.setWindowOpenHandler(({ url }) => {
    const decision = windowOpenDecision(url);
    if (decision.openExternally === null) {
      options.onBlocked('window', url);
    } else {
      options.openExternal(decision.openExternally).catch(() => options.onBlocked('window', url));
    }
    return { action: decision.action };
  });
}

/** Every permission request and check is answered by the allow-list in `security.ts` (empty: all denied). */
export function hardenSession(session: HardenableSession): void {
  session.setPermissionRequestHandler((_webContents, permission, callback, details) =>
    callback(isPermissionAllowed(permission, details.requestingUrl, isAppUrl)),
  );
  session.setPermissionCheckHandler((_webContents, permission, requestingOrigin) =>
    isPermissionAllowed(permission, requestingOrigin, isAppUrl),
  );
}

/** The scheme of a URL for log lines: never the rest, which could carry a host name or a token. */
export function schemeOf(url: string): string {
  return /^[a-z][a-z0-9+.-]*:/i.exec(url)?.[0] ?? '(none)';
}
