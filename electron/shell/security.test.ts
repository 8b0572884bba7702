import { describe, expect, it } from 'vitest';
import { isAppUrl } from './app-protocol.js';
import {
  hardenSession,
  hardenWebContents,
  schemeOf,
  type HardenableSession,
  type NavigationEvent,
} from './harden.js';
import {
  ALLOWED_PERMISSIONS,
  CONTENT_SECURITY_POLICY,
  isNavigationAllowed,
  isPermissionAllowed,
  isWebUrl,
  secureWebPreferences,
  windowOpenDecision,
} from './security.js';

const PAGE = 'app://omnisight/index.html';

describe('CONTENT_SECURITY_POLICY', () => {
  it('is exactly the agreed policy', () => {
    expect(CONTENT_SECURITY_POLICY).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
        "media-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; " +
        "frame-ancestors 'none'",
    );
  });

  it('never allows inline or evaluated script', () => {
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-inline|unsafe-eval|wasm-unsafe-eval|\*/);
  });
});

describe('secureWebPreferences', () => {
  it('isolates and sandboxes the renderer and keeps Node out of it', () => {
    expect(secureWebPreferences('/app/out/preload/index.cjs')).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      preload: '/app/out/preload/index.cjs',
    });
  });
});

describe('isNavigationAllowed', () => {
  it('allows only a reload of the page already shown', () => {
    expect(isNavigationAllowed(PAGE, PAGE)).toBe(true);
    expect(isNavigationAllowed(PAGE, 'app://omnisight/other.html')).toBe(false);
    expect(isNavigationAllowed(PAGE, 'https://evil.example/')).toBe(false);
    expect(isNavigationAllowed(PAGE, 'file:///etc/passwd')).toBe(false);
    expect(isNavigationAllowed('', '')).toBe(false);
  });
});

describe('windowOpenDecision', () => {
  it('always denies a window; only http(s) goes to the browser', () => {
    expect(windowOpenDecision('https://example.org/docs')).toEqual({
      action: 'deny',
      openExternally: 'https://example.org/docs',
    });
    expect(windowOpenDecision('http://192.0.2.10/')).toEqual({
      action: 'deny',
      openExternally: 'http://192.0.2.10/',
    });
    for (const url of [
      'file:///C:/Windows/System32/calc.exe',
      'smb://host/share',
      'javascript:alert(1)',
      'app://omnisight/',
      'ms-msdt:x',
      'garbage',
    ]) {
      expect(windowOpenDecision(url), url).toEqual({ action: 'deny', openExternally: null });
    }
  });

  it('isWebUrl recognises http and https only', () => {
    expect(isWebUrl('HTTPS://EXAMPLE.ORG')).toBe(true);
    expect(isWebUrl('ftp://example.org')).toBe(false);
  });
});

describe('permissions', () => {
  it('allows nothing, not even to our own origin', () => {
    expect(ALLOWED_PERMISSIONS.size).toBe(0);
    for (const permission of [
      'media',
      'notifications',
      'geolocation',
      'fullscreen',
      'openExternal',
      'clipboard-read',
    ]) {
      expect(isPermissionAllowed(permission, PAGE, isAppUrl), permission).toBe(false);
      expect(isPermissionAllowed(permission, 'https://evil.example', isAppUrl), permission).toBe(false);
    }
  });

  it('hardenSession denies every request and every check', () => {
    let requestHandler: Parameters<HardenableSession['setPermissionRequestHandler']>[0] | null = null;
    let checkHandler: Parameters<HardenableSession['setPermissionCheckHandler']>[0] | null = null;
    hardenSession({
      setPermissionRequestHandler: (handler) => (requestHandler = handler),
      setPermissionCheckHandler: (handler) => (checkHandler = handler),
    });
    const answers: boolean[] = [];
    requestHandler!(null, 'media', (granted) => answers.push(granted), { requestingUrl: PAGE });
    requestHandler!(null, 'notifications', (granted) => answers.push(granted), { requestingUrl: PAGE });
    expect(answers).toEqual([false, false]);
    expect(checkHandler!(null, 'fullscreen', 'app://omnisight')).toBe(false);
  });
});

class FakeContents {
  url = PAGE;
  readonly listeners = new Map<string, (event: NavigationEvent) => void>();
  openHandler: ((details: { url: string }) => { action: 'deny' }) | null = null;
  getURL(): string {
    return this.url;
  }
  on(event: string, listener: (event: NavigationEvent) => void): void {
    this.listeners.set(event, listener);
  }
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void {
    this.openHandler = handler;
  }
  /** Fires `event` and says whether the listener prevented it. */
  fire(event: string, url: string): boolean {
    let prevented = false;
    this.listeners.get(event)?.({ url, preventDefault: () => (prevented = true) });
    return prevented;
  }
}

describe('hardenWebContents', () => {
  function setup() {
    const contents = new FakeContents();
    const opened: string[] = [];
    const blocked: string[] = [];
    hardenWebContents(contents, {
      openExternal: (url) => {
        opened.push(url);
        return Promise.resolve();
      },
      onBlocked: (what, url) => blocked.push(`${what} ${schemeOf(url)}`),
    });
    return { contents, opened, blocked };
  }

  it('prevents navigation and redirects away from the page, allows a reload', () => {
    const { contents, blocked } = setup();
    expect(contents.fire('will-navigate', 'https://evil.example/')).toBe(true);
    expect(contents.fire('will-redirect', 'http://192.0.2.1/')).toBe(true);
    expect(contents.fire('will-navigate', PAGE)).toBe(false);
    expect(blocked).toEqual(['navigation https:', 'redirect http:']);
  });

  it('blocks <webview>', () => {
    const { contents, blocked } = setup();
    expect(contents.fire('will-attach-webview', '')).toBe(true);
    expect(blocked).toEqual(['webview (none)']);
  });

  it('denies every new window, opening http(s) links in the browser only', () => {
    const { contents, opened, blocked } = setup();
    expect(contents.openHandler!({ url: 'https://example.org/' })).toEqual({ action: 'deny' });
    expect(contents.openHandler!({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    expect(opened).toEqual(['https://example.org/']);
    expect(blocked).toEqual(['window file:']);
  });
});
