/**
 * The Cameras page in Chromium against the built headless server: add, edit and remove through the UI, HTML in
 * names shown as text, and cameras added elsewhere appearing without a reload.
 */
import fs from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CAMERA_STATUSES } from '../../common/contract/index.js';
import { startServer, type RunningServer } from '../support/server.js';
import { addCamera, apiRequest, listCameras } from './api.js';
import { launchBrowser, markDocument, openPage, screenshot, type WatchedPage } from './browser.js';

const XSS_NAME = '<img src=x onerror=alert(1)>';

let server: RunningServer;
let browser: Browser;
const opened: WatchedPage[] = [];

beforeAll(async () => {
  [server, browser] = await Promise.all([startServer(), launchBrowser()]);
});

afterAll(async () => {
  await browser.close();
  await server.stop();
  // Demo cameras record real segments; leave nothing behind in the temp folder.
  fs.rmSync(server.dataDir, { recursive: true, force: true });
});

afterEach(async () => {
  for (const watched of opened.splice(0)) {
    expect(watched.problems).toEqual([]);
    expect(await watched.cspViolations()).toEqual([]);
    expect(watched.dialogs).toEqual([]);
    await watched.close();
  }
});

async function camerasPage(): Promise<WatchedPage> {
  const watched = await openPage(browser, `${server.url}/#/cameras`);
  opened.push(watched);
  await watched.page.getByRole('heading', { name: 'Cameras' }).waitFor();
  return watched;
}

function row(page: Page, name: string) {
  return page
    .getByTestId('camera-row')
    .filter({ has: page.getByTestId('camera-name').getByText(name, { exact: true }) });
}

describe('Cameras page in the browser', () => {
  it('adds, edits and removes a camera', async () => {
    const watched = await camerasPage();
    const { page } = watched;
    await page.getByTestId('cameras-empty').waitFor();
    await screenshot(page, 'cameras-1-empty');

    await page.getByRole('button', { name: 'Add camera' }).click();
    const form = page.getByRole('dialog', { name: 'Add camera' });
    await form.getByLabel('Name', { exact: true }).fill('Front door');
    await form.getByLabel('RTSP URL', { exact: true }).fill('http://192.0.2.10/stream1');
    await form.getByRole('button', { name: 'Add camera' }).click();
    await expect
      .poll(() => form.getByTestId('field-error-rtspUrl').textContent())
      .toBe('RTSP URL must start with rtsp://, rtsps:// or demo: (got http:)');
    await screenshot(page, 'cameras-2-validation');

    // Credentials inside the URL are stored apart from it; the list shows the URL without them.
    await form.getByLabel('RTSP URL', { exact: true }).fill('rtsp://admin:s3cret@192.0.2.10:554/stream1');
    await form.getByLabel('Sub-stream URL', { exact: true }).fill('rtsp://192.0.2.10:554/stream2');
    await screenshot(page, 'cameras-3-add-form');
    await form.getByRole('button', { name: 'Add camera' }).click();
    await form.waitFor({ state: 'detached' });

    const added = row(page, 'Front door');
    await added.waitFor();
    await expect.poll(() => added.textContent()).toContain('rtsp://192.0.2.10:554/stream1');
    const text = await added.textContent();
    expect(text).toContain('rtsp://192.0.2.10:554/stream2');
    expect(text).toContain('admin');
    expect(text).toContain('password set');
    expect(text).not.toContain('s3cret');
    // Which status depends on the recording engine (an unreachable address reconnects); it must show as a badge.
    const status = await added
      .getByTestId('camera-status')
      .locator('[data-status]')
      .getAttribute('data-status');
    expect(CAMERA_STATUSES).toContain(status);
    await screenshot(page, 'cameras-4-list');

    // The engine refuses a second camera on the same stream; the form says so beside the URL.
    watched.tolerate(/status of 409 \(Conflict\)/);
    await page.getByRole('button', { name: 'Add camera' }).click();
    await form.getByLabel('Name', { exact: true }).fill('Front door twin');
    await form.getByLabel('RTSP URL', { exact: true }).fill('rtsp://192.0.2.10:554/stream1');
    await form.getByRole('button', { name: 'Add camera' }).click();
    await expect
      .poll(() => form.getByTestId('field-error-rtspUrl').textContent())
      .toBe('Camera "Front door" already uses this stream URL');
    await screenshot(page, 'cameras-5-conflict');
    await form.getByRole('button', { name: 'Cancel' }).click();

    await page.getByRole('button', { name: 'Edit Front door' }).click();
    const edit = page.getByRole('dialog', { name: 'Edit camera' });
    expect(await edit.getByLabel('RTSP URL', { exact: true }).inputValue()).toBe(
      'rtsp://192.0.2.10:554/stream1',
    );
    expect(await edit.getByLabel('Username', { exact: true }).inputValue()).toBe('admin');
    expect(await edit.getByLabel('Password', { exact: true }).inputValue()).toBe('');
    await edit.getByLabel('Name', { exact: true }).fill('Front door (east)');
    await edit.getByLabel('Clear password', { exact: true }).check();
    await edit.getByLabel(/^Enabled/).uncheck();
    // Recording mode: the rolls only mean something outside continuous, and are checked as the engine does.
    const preRoll = edit.getByLabel('Pre-roll', { exact: true });
    expect(await preRoll.isDisabled()).toBe(true);
    await edit.getByLabel('Keep footage', { exact: true }).selectOption('motion');
    expect(await preRoll.isDisabled()).toBe(false);
    expect(await preRoll.inputValue()).toBe('5');
    await preRoll.fill('400');
    await edit.getByRole('button', { name: 'Save changes' }).click();
    await expect.poll(() => edit.getByText('Pre-roll must be at most 300 seconds').isVisible()).toBe(true);
    await preRoll.fill('8');
    await screenshot(page, 'cameras-6-edit-form');
    await edit.getByRole('button', { name: 'Save changes' }).click();
    await edit.waitFor({ state: 'detached' });

    const edited = row(page, 'Front door (east)');
    await edited.getByTestId('camera-status').getByText('Disabled').waitFor();
    expect(await edited.textContent()).not.toContain('password set');
    const [stored] = await listCameras(server.url);
    expect(stored).toMatchObject({
      name: 'Front door (east)',
      enabled: false,
      hasPassword: false,
      username: 'admin',
      recordMode: 'motion',
      preRollSeconds: 8,
      postRollSeconds: 5,
    });
    expect(await edited.getByTestId('camera-record-mode').textContent()).toBe(
      'Keepsmotion only · 8 s before, 5 s after',
    );
    await screenshot(page, 'cameras-7-edited');

    await page.getByRole('button', { name: 'Remove Front door (east)' }).click();
    const confirm = page.getByRole('dialog', { name: 'Remove camera' });
    expect(await confirm.getByRole('radio', { name: /Keep recordings/ }).isChecked()).toBe(true);
    expect(await confirm.getByRole('radio', { name: /Delete recordings/ }).isDisabled()).toBe(true);
    await confirm.getByText('arrives with the storage issue').waitFor();
    await screenshot(page, 'cameras-8-remove-dialog');
    await confirm.getByRole('button', { name: 'Remove camera' }).click();
    await confirm.waitFor({ state: 'detached' });
    await page.getByTestId('cameras-empty').waitFor();
    expect(await listCameras(server.url)).toEqual([]);
    await screenshot(page, 'cameras-9-removed');
  });

  it('shows an HTML-looking name as text and runs none of it', async () => {
    // Stored through the API: the UI must escape what comes out of the database, not only what it typed.
    const stored = await addCamera(server.url, {
      name: XSS_NAME,
      rtspUrl: 'demo:xss-api',
      username: '<b>u</b>',
    });
    expect(stored.name).toBe(XSS_NAME);

    const { page } = await camerasPage();
    const listed = row(page, XSS_NAME);
    await listed.waitFor();
    expect(await listed.getByTestId('camera-name').textContent()).toBe(XSS_NAME);
    expect(await listed.textContent()).toContain('<b>u</b>');

    // Typed into the form, the name goes to the engine exactly as typed.
    await page.getByRole('button', { name: 'Add camera' }).click();
    const form = page.getByRole('dialog', { name: 'Add camera' });
    await form.getByLabel('Name', { exact: true }).fill(`${XSS_NAME} 2`);
    await form.getByLabel('RTSP URL', { exact: true }).fill('demo:xss-form');
    await form.getByRole('button', { name: 'Add camera' }).click();
    await row(page, `${XSS_NAME} 2`).waitFor();
    expect((await listCameras(server.url)).map((camera) => camera.name)).toEqual(
      expect.arrayContaining([XSS_NAME, `${XSS_NAME} 2`]),
    );

    await page.getByRole('button', { name: `Remove ${XSS_NAME} 2` }).click();
    await page.getByRole('dialog', { name: 'Remove camera' }).getByText(`${XSS_NAME} 2`).waitFor();
    await screenshot(page, 'cameras-xss');
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();

    expect(await page.locator('img').count()).toBe(0);
    expect(await page.locator('b').count()).toBe(0);
    // Give a stray onerror handler time to fire before afterEach checks for dialogs and CSP violations.
    await page.waitForTimeout(300);
  });

  it('shows a camera added in another tab or through the API without a reload', async () => {
    const first = await camerasPage();
    const second = await camerasPage();
    const firstDocument = await markDocument(first.page);

    await second.page.getByRole('button', { name: 'Add camera' }).click();
    const form = second.page.getByRole('dialog', { name: 'Add camera' });
    await form.getByLabel('Name', { exact: true }).fill('Added in tab two');
    await form.getByLabel('RTSP URL', { exact: true }).fill('demo:tab-two');
    await form.getByRole('button', { name: 'Add camera' }).click();
    await row(first.page, 'Added in tab two').waitFor();

    const viaApi = await addCamera(server.url, { name: 'Added through the API', rtspUrl: 'demo:api' });
    await row(first.page, 'Added through the API').waitFor();
    await row(second.page, 'Added through the API').waitFor();

    // Renamed and removed elsewhere, too.
    const renamed = await apiRequest(server.url, 'PATCH', `/api/cameras/${viaApi.id}`, {
      name: 'Renamed through the API',
    });
    expect(renamed.status).toBe(200);
    await row(first.page, 'Renamed through the API').waitFor();
    const removed = await apiRequest(server.url, 'DELETE', `/api/cameras/${viaApi.id}?recordings=keep`);
    expect(removed.status).toBe(200);
    await row(first.page, 'Renamed through the API').waitFor({ state: 'detached' });
    await screenshot(first.page, 'cameras-live-sync');

    // Still the same document: nothing reloaded the page.
    expect(await firstDocument.sameDocument()).toBe(true);
  });
});
