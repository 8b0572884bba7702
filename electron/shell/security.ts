/**
 * The shell's security policy as data and pure functions, so each rule is unit-tested here and `main.ts` only
 * wires them to Electron events. Follows Electron's security checklist: isolated, sandboxed renderer without
 * Node; a custom-protocol origin with a strict CSP; no navigation, no new windows, no webviews, no permissions.
 */

import { contentSecurityPolicy } from '../../common/csp.js';

/** Served as a response header on every app:// file; `'self'` is `app://omnisight`. */
export const CONTENT_SECURITY_POLICY = contentSecurityPolicy({ websockets: false });

/** The subset of Electron's `WebPreferences` the shell sets, spelled out so none is left to a default. */
export interface SecureWebPreferences {
  contextIsolation: true;
  sandbox: true;
  nodeIntegration: false;
  nodeIntegrationInWorker: false;
  nodeIntegrationInSubFrames: false;
  webSecurity: true;
  allowRunningInsecureContent: false;
  webviewTag: false;
  experimentalFeatures: false;
  navigateOnDragDrop: false;
  spellcheck: false;
  preload: string;
}

/** webPreferences of every window: the preload is the renderer's only door to the main process. */
export function secureWebPreferences(preload: string): SecureWebPreferences {
  return {
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    experimentalFeatures: false,
    // A file dropped on the window would otherwise navigate to it.
    navigateOnDragDrop: false,
    // Spellcheck downloads dictionaries from Google; an NVR on an isolated network has nothing to check.
    spellcheck: false,
    preload,
  };
}

/**
 * `will-navigate` / `will-redirect`: the app is one page with hash routes, so the only navigation we accept is
 * to the URL already shown (a reload). Everything else, including links to other app:// pages, is refused.
 */
export function isNavigationAllowed(currentUrl: string, targetUrl: string): boolean {
  return currentUrl !== '' && targetUrl === currentUrl;
}

/** The decision for `setWindowOpenHandler`: never a new Electron window; web links go to the user's browser. */
export interface WindowOpenDecision {
  action: 'deny';
  /** Set when the URL should be handed to `shell.openExternal`. */
  openExternally: string | null;
}

/** Only http(s) reaches the OS: `file:`, `smb:`, custom handlers and the like can run programs. */
export function windowOpenDecision(url: string): WindowOpenDecision {
  return { action: 'deny', openExternally: isWebUrl(url) ? url : null };
}

export function isWebUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:';
  } catch {
    return false;
  }
}

/**
 * Permissions the renderer may use. Empty: the UI needs no camera, microphone, notifications or geolocation.
 * HTML fullscreen (`element.requestFullscreen`) is a permission too; add `'fullscreen'` here if the live view
 * ever uses it instead of the window's own full-screen mode.
 */
export const ALLOWED_PERMISSIONS: ReadonlySet<string> = new Set<string>();

/** The answer for both `setPermissionRequestHandler` and `setPermissionCheckHandler`. */
export function isPermissionAllowed(
  permission: string,
  requestingUrl: string,
  isAppUrl: (url: string) => boolean,
): boolean {
  return ALLOWED_PERMISSIONS.has(permission) && isAppUrl(requestingUrl);
}
