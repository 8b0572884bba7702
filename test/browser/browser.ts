/**
 * Drives Debian's Chromium with playwright-core (Playwright's own browser download does not work here).
 * `openPage` watches a page for everything a browser test must not see: console errors, uncaught exceptions,
 * CSP violations and JavaScript dialogs (an `alert` means injected script ran).
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { REPO_ROOT, tokenFor } from '../support/server.js';

export const CHROMIUM_PATH = process.env.OMNISIGHT_CHROMIUM ?? '/usr/bin/chromium';
export const RESULTS_DIR = path.join(REPO_ROOT, 'test-results');

// Quiet, offline, deterministic: no GPU (headless machines have none), no QUIC and no background traffic
// to Google services, no first-run UI. --no-sandbox because CI runs as root in a container.
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function launchBrowser(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is missing at ${CHROMIUM_PATH}: apt-get install chromium, or set OMNISIGHT_CHROMIUM`,
    );
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

export interface WatchedPage {
  page: Page;
  context: BrowserContext;
  /** Console errors and uncaught exceptions, in order, less those `tolerate` expects. */
  readonly problems: string[];
  /**
   * Expects console errors matching `pattern` from now on: a request the test makes fail on purpose (a 409
   * for a duplicate URL) is logged by Chromium as a failed resource load.
   */
  tolerate(pattern: RegExp): void;
  /** Messages of every alert/confirm/prompt the page opened (each is dismissed). */
  dialogs: string[];
  /** CSP violations the page reported through `securitypolicyviolation` events. */
  cspViolations(): Promise<string[]>;
  close(): Promise<void>;
}

// Runs in the page before its own scripts. A string, because test/ is typechecked without the DOM library.
const WATCH_CSP_SCRIPT = `
  window.omnisightTestCspViolations = [];
  document.addEventListener('securitypolicyviolation', (event) => {
    window.omnisightTestCspViolations.push(event.violatedDirective + ' blocked ' + (event.blockedURI || 'inline'));
  });
`;

/** Gives a browser context the session cookie of `token` (default: the admin of the server at `url`). */
export async function signInContext(
  context: BrowserContext,
  url: string,
  token = tokenFor(url),
): Promise<void> {
  if (token === undefined) return;
  await context.addCookies([
    { name: 'omnisight_session', value: token, url: new URL(url).origin, httpOnly: true, sameSite: 'Strict' },
  ]);
}

/** Opens `url` in a fresh context (its own storage) at a desktop size, watched for problems. */
export async function openPage(
  browser: Browser,
  url: string,
  options: { tolerate?: readonly RegExp[]; signedIn?: boolean; token?: string } = {},
): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport: { width: 1360, height: 820 }, colorScheme: 'dark' });
  // Playwright injects this through the DevTools protocol, which the page's CSP does not govern.
  await context.addInitScript({ content: WATCH_CSP_SCRIPT });
  // Signed in as the server's admin, as after the sign-in page (test/browser/sign-in.test.ts walks that page).
  const token = options.signedIn === false ? undefined : (options.token ?? tokenFor(url));
  if (token !== undefined) await signInContext(context, url, token);
  const page = await context.newPage();
  const problems: string[] = [];
  const dialogs: string[] = [];
  const tolerated: RegExp[] = [...(options.tolerate ?? [])];
  page.on('console', (message) => {
    const text = message.text();
    if (message.type() === 'error' && !tolerated.some((pattern) => pattern.test(text))) {
      problems.push(`console: ${text}`);
    }
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  await page.goto(url);
  return {
    page,
    context,
    problems,
    tolerate: (pattern) => tolerated.push(pattern),
    dialogs,
    cspViolations: async () => {
      const violations: unknown = await page.evaluate('window.omnisightTestCspViolations ?? []');
      return Array.isArray(violations) ? violations.map(String) : [`unreadable: ${String(violations)}`];
    },
    close: () => context.close(),
  };
}

/**
 * Marks the page's current document; `sameDocument` answers whether that document is still the one showing,
 * i.e. nothing reloaded or navigated the page away since.
 */
export async function markDocument(page: Page): Promise<{ sameDocument(): Promise<boolean> }> {
  const marker = `mark-${Date.now()}-${Math.random()}`;
  await page.evaluate(`window.omnisightTestMarker = ${JSON.stringify(marker)}`);
  return {
    sameDocument: async () => (await page.evaluate('window.omnisightTestMarker')) === marker,
  };
}

/** Saves a full-page screenshot as `test-results/<name>.png` and answers its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
