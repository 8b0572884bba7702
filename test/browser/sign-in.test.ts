/**
 * The web UI's first-run setup and sign-in in Chromium (issue 8), against a server that has no account yet:
 * the setup code, the admin created with an HTML payload as its name (shown as text), sign-out, a wrong
 * password, and a viewer who sees only its own camera.
 */
import fs from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIn, startServer, type RunningServer } from '../support/server.js';
import { launchBrowser, openPage, screenshot } from './browser.js';

const XSS = '<img src=x onerror=alert(1)>';
const ADMIN_PASSWORD = 'browser admin 2026';
const VIEWER = { name: 'guard', password: 'browser viewer 2026' };
/** The page asks `/api/auth/me` first: its 401 is how it knows to show sign-in. */
const EXPECTED_401 = [/401 \(Unauthorized\)/];

let server: RunningServer;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startServer({ setup: false }), launchBrowser()]);
});

afterAll(async () => {
  await browser.close();
  await server.stop();
  fs.rmSync(server.dataDir, { recursive: true, force: true });
});

async function api(token: string, method: string, argument: unknown): Promise<unknown> {
  const response = await fetch(`${server.url}/api/rpc/${method}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(argument),
  });
  const json: unknown = await response.json();
  if (!response.ok) throw new Error(`${method} answered ${response.status}: ${JSON.stringify(json)}`);
  return json;
}

describe('sign-in in the browser', () => {
  it('creates the admin with the setup code, signs out and in again', async () => {
    const watched = await openPage(browser, server.url, { tolerate: EXPECTED_401 });
    const { page } = watched;
    await page.getByTestId('setup-page').waitFor();
    await screenshot(page, 'sign-in-1-setup');

    await page.getByTestId('setup-code').fill('WRONG-CODE');
    await page.getByTestId('sign-in-name').fill(XSS);
    await page.getByTestId('sign-in-password').fill(ADMIN_PASSWORD);
    await page.getByTestId('sign-in-repeat').fill(ADMIN_PASSWORD);
    await page.getByTestId('sign-in-submit').click();
    await expect.poll(() => page.getByTestId('sign-in-error').textContent()).toBe('Wrong setup code');

    await page.getByTestId('setup-code').fill(server.setupCode ?? '');
    await page.getByTestId('sign-in-submit').click();
    // Signed in: the app, with the admin's name as plain text (no image element, no script ran).
    await page.getByTestId('signed-in-as').waitFor();
    expect(await page.getByTestId('signed-in-as').textContent()).toBe(`${XSS} (admin)`);
    expect(await page.locator('.sidebar img').count()).toBe(0);
    await screenshot(page, 'sign-in-2-signed-in');

    await page.getByTestId('sign-out').click();
    await page.getByTestId('sign-in-page').waitFor();
    await page.getByTestId('sign-in-name').fill(XSS);
    await page.getByTestId('sign-in-password').fill('not the password');
    await page.getByTestId('sign-in-submit').click();
    await expect
      .poll(() => page.getByTestId('sign-in-error').textContent())
      .toBe('Wrong user name or password');
    await screenshot(page, 'sign-in-3-wrong-password');
    await page.getByTestId('sign-in-password').fill(ADMIN_PASSWORD);
    await page.getByTestId('sign-in-submit').click();
    await page.getByTestId('signed-in-as').waitFor();

    expect(watched.problems).toEqual([]);
    expect(await watched.cspViolations()).toEqual([]);
    expect(watched.dialogs).toEqual([]);
    await watched.close();
  }, 60_000);

  it('shows a viewer only its own camera, with names as text', async () => {
    const token = await signIn(server.url, XSS, ADMIN_PASSWORD);
    const own = (await api(token, 'cameras.add', {
      name: `Porch ${XSS}`,
      rtspUrl: 'demo:porch',
      enabled: false,
    })) as {
      id: string;
    };
    await api(token, 'cameras.add', { name: 'Vault', rtspUrl: 'demo:vault', enabled: false });
    await api(token, 'users.add', { ...VIEWER, role: 'viewer', cameraIds: [own.id] });

    const watched = await openPage(browser, `${server.url}/#/cameras`, { tolerate: EXPECTED_401 });
    const { page } = watched;
    // The UI offers a viewer only what the gateway lets it do: no call of the session is refused.
    const refused: string[] = [];
    page.on('response', (response) => {
      if (response.status() === 403) refused.push(response.url());
    });
    await page.getByTestId('sign-in-page').waitFor();
    await page.getByTestId('sign-in-name').fill(VIEWER.name);
    await page.getByTestId('sign-in-password').fill(VIEWER.password);
    await page.getByTestId('sign-in-submit').click();
    await page.getByTestId('signed-in-as').waitFor();
    await page.getByRole('heading', { name: 'Cameras' }).waitFor();
    await expect.poll(() => page.getByTestId('camera-name').allTextContents()).toEqual([`Porch ${XSS}`]);
    expect(await page.getByText('Vault').count()).toBe(0);
    // Configuration pages are not offered to a viewer.
    expect(await page.getByTestId('nav-users').count()).toBe(0);
    expect(await page.getByTestId('nav-storage').count()).toBe(0);
    expect(await page.getByTestId('nav-system').count()).toBe(0);
    // Nor are the camera controls the server refuses a viewer, or stream addresses it never gets.
    for (const name of [
      'Add camera',
      'Add demo camera',
      'Find cameras',
      /^Edit /,
      /^Remove /,
      /^Detection /,
    ]) {
      expect(await page.getByRole('button', { name }).count()).toBe(0);
    }
    expect(await page.getByRole('columnheader', { name: 'Streams' }).count()).toBe(0);
    await screenshot(page, 'sign-in-4-viewer');
    // An admin page typed into the address bar says so instead of failing call after call.
    await page.goto(`${server.url}/#/storage`);
    await page.getByTestId('admin-only').waitFor();
    await screenshot(page, 'sign-in-5-viewer-admin-page');
    for (const route of ['live', 'playback', 'events', 'exports']) {
      await page.goto(`${server.url}/#/${route}`);
      await page.getByTestId('signed-in-as').waitFor();
      await page.waitForLoadState('networkidle');
    }
    expect(refused).toEqual([]);
    expect(watched.dialogs).toEqual([]);
    expect(await watched.cspViolations()).toEqual([]);
    await watched.close();
  }, 60_000);

  it('adds and edits accounts on the Accounts page', async () => {
    const token = await signIn(server.url, XSS, ADMIN_PASSWORD);
    const cameras = (await api(token, 'cameras.list', {})) as { id: string; name: string }[];
    const porch = cameras.find((camera) => camera.name.startsWith('Porch'));
    // The too-short password below is refused with a 400, which Chromium logs.
    const watched = await openPage(browser, `${server.url}/#/users`, { token, tolerate: [/status of 400/] });
    const { page } = watched;
    await page.getByRole('heading', { name: 'Accounts' }).waitFor();
    await expect.poll(() => page.getByTestId('user-row').count()).toBe(2);

    await page.getByTestId('user-add').click();
    await page.getByTestId('user-name').fill(`Night ${XSS}`);
    await page.getByTestId('user-password').fill('short');
    await page.getByTestId('user-save').click();
    await expect
      .poll(() => page.getByTestId('user-form').getByRole('alert').first().textContent())
      .toContain('at least 8 characters');
    await page.getByTestId('user-password').fill('night shift 2026');
    await page.getByTestId('user-cameras').getByLabel(`Porch ${XSS}`).check();
    await screenshot(page, 'accounts-1-add');
    await page.getByTestId('user-save').click();
    const row = page.getByTestId('user-row').filter({ hasText: 'Night' });
    await row.waitFor();
    expect(await row.getByTestId('user-row-name').textContent()).toBe(`Night ${XSS}`);
    expect(await row.getByTestId('user-row-cameras').textContent()).toBe(`Porch ${XSS}`);
    const users = (await api(token, 'users.list', {})) as {
      name: string;
      role: string;
      cameraIds: string[];
    }[];
    expect(users.find((user) => user.name.startsWith('Night'))).toMatchObject({
      role: 'viewer',
      cameraIds: [porch?.id],
    });

    await row.getByRole('button', { name: /^Edit Night/ }).click();
    await page.getByTestId('user-cameras').getByLabel('All cameras, also those added later').check();
    await page.getByTestId('user-save').click();
    await expect.poll(() => row.getByTestId('user-row-cameras').textContent()).toBe('All cameras');
    // The new viewer signs in and sees both cameras now.
    const viewerToken = await signIn(server.url, `Night ${XSS}`, 'night shift 2026');
    expect(((await api(viewerToken, 'cameras.list', {})) as unknown[]).length).toBe(2);
    expect(await page.locator('#root img').count()).toBe(0);
    await screenshot(page, 'accounts-2-list');
    expect(watched.problems).toEqual([]);
    expect(watched.dialogs).toEqual([]);
    expect(await watched.cspViolations()).toEqual([]);
    await watched.close();
  }, 60_000);
});
