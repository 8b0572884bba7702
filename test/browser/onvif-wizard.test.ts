/**
 * The ONVIF wizard in Chromium against the built headless server (issue 7): "Find cameras", scan with the
 * simulator's address typed (its duplicate and garbage replies merged and ignored), choose it, a wrong password
 * first (its own message, no password in the page), sign in (the camera's clock is 10 min off: a warning),
 * the suggested profiles (main H.264 to record, the H.264 sub stream rather than the H.265 profile for tiles),
 * the stream check, then the camera saved and recording; a second scan says it is already added.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startFakeCameras, type FakeCameras } from '../fake-cameras/index.js';
import { startOnvifSimulator, type OnvifSimulator } from '../onvif-sim/index.js';
import { startServer, type RunningServer } from '../support/server.js';
import { listCameras } from './api.js';
import { launchBrowser, openPage, screenshot, type WatchedPage } from './browser.js';

const USERNAME = 'operator';
const PASSWORD = 'Onvif-Wizard-77';
let fakes: FakeCameras;
let sim: OnvifSimulator;
let server: RunningServer;
let browser: Browser;
let watched: WatchedPage | undefined;

beforeAll(async () => {
  fakes = await startFakeCameras({
    cameras: [
      { name: 'dome', sub: true, auth: { method: 'digest', username: USERNAME, password: PASSWORD } },
      { name: 'garage', resolution: '360p', codec: 'h265' },
    ],
  });
  const dome = fakes.camera('dome');
  sim = await startOnvifSimulator({
    username: USERNAME,
    password: PASSWORD,
    manufacturer: 'Acme Vision',
    model: 'AV-4K Dome',
    name: 'Loading Bay',
    clockSkewSeconds: 600,
    faults: { duplicateReplies: 2, garbageReplies: 2 },
    profiles: [
      {
        token: 'main',
        name: 'MainStream',
        encoding: 'H264',
        width: 1920,
        height: 1080,
        fps: 25,
        streamUri: dome.mainUrl,
      },
      {
        token: 'hevc',
        name: 'GarageH265',
        encoding: 'H265',
        width: 640,
        height: 360,
        fps: 25,
        streamUri: fakes.camera('garage').mainUrl,
      },
      {
        token: 'sub',
        name: 'SubStream',
        encoding: 'H264',
        width: 640,
        height: 360,
        fps: 25,
        streamUri: dome.subUrl ?? '',
      },
    ],
  });
  [server, browser] = await Promise.all([startServer(), launchBrowser()]);
}, 120_000);

afterAll(async () => {
  await watched?.close();
  await browser.close();
  await server.stop();
  await sim.stop();
  await fakes.stopAll();
  fs.rmSync(server.dataDir, { recursive: true, force: true });
});

describe('Find cameras (ONVIF wizard)', () => {
  it('scans, signs in, picks the streams, checks them, saves, and records', async () => {
    const dome = fakes.camera('dome');
    watched = await openPage(browser, `${server.url}/#/cameras`);
    const { page } = watched;
    await page.getByRole('heading', { name: 'Cameras' }).waitFor();
    await page.getByRole('button', { name: 'Find cameras' }).click();
    const wizard = page.getByRole('dialog', { name: 'Find cameras' });

    // An address that is not one is refused inline, and Scan stays off.
    const addresses = wizard.getByLabel('Also probe these addresses (optional)');
    await addresses.fill('127.0.0.1, camera.local');
    expect(await wizard.getByTestId('scan-address-error').textContent()).toContain(
      '"camera.local" is not an IP address or range',
    );
    expect(await wizard.getByTestId('scan').isDisabled()).toBe(true);
    await addresses.fill(`127.0.0.1:${String(sim.discoveryPort)}`);
    await wizard.getByTestId('scan').click();
    const row = wizard.getByTestId('onvif-device');
    // Listed as it answers, before the scan window ends, once despite the repeated answers.
    await row.first().waitFor({ timeout: 3_000 });
    expect(await wizard.getByTestId('scan').textContent()).toContain('Scanning');
    const summary = wizard.getByTestId('scan-summary');
    await summary.waitFor({ timeout: 15_000 });
    expect(await row.count()).toBe(1);
    expect(await row.textContent()).toContain('Acme Vision AV-4K Dome');
    expect(await row.textContent()).toContain('Loading Bay');
    expect(await row.textContent()).toContain('127.0.0.1');
    expect(await summary.textContent()).toContain(
      'Found 1 camera. 2 repeated answers merged, 2 unreadable replies ignored.',
    );
    // Scanning sent nothing to the device's SOAP service.
    expect(sim.requests).toEqual([]);
    await screenshot(page, 'onvif-1-scanned');

    await row.getByRole('button', { name: /^Connect to Acme Vision AV-4K Dome/ }).click();
    const signIn = page.getByRole('dialog', { name: 'Sign in to the camera' });
    await signIn.getByLabel('Username').fill(USERNAME);
    await signIn.getByLabel('Password').fill(`${PASSWORD}-typo`);
    await signIn.getByTestId('onvif-connect').click();
    const error = signIn.getByTestId('onvif-error');
    await error.waitFor({ timeout: 20_000 });
    expect(await error.textContent()).toMatch(/refused the user name or password/);
    expect(await page.locator('body').innerText()).not.toContain(PASSWORD);
    await screenshot(page, 'onvif-2-wrong-password');

    await signIn.getByLabel('Password').fill(PASSWORD);
    await signIn.getByTestId('onvif-connect').click();
    const profiles = signIn.getByTestId('onvif-profile');
    await profiles.first().waitFor({ timeout: 20_000 });
    expect(await signIn.getByTestId('onvif-warning-clock_skew').textContent()).toMatch(
      /clock is 10 min ahead/,
    );
    expect(await profiles.count()).toBe(3);
    const hevc = signIn.locator('[data-token="hevc"]');
    expect(await hevc.textContent()).toContain('H.265 640×360, 25 fps');
    expect(await hevc.textContent()).toContain('Media2');
    // Suggested: the 1080p H.264 profile to record, the H.264 sub stream (not the H.265 one) for tiles.
    expect(await signIn.getByRole('radio', { name: 'Record MainStream' }).isChecked()).toBe(true);
    expect(
      await signIn.getByRole('radio', { name: 'Use SubStream for grid and detection' }).isChecked(),
    ).toBe(true);
    expect(
      await signIn.getByRole('radio', { name: 'Use GarageH265 for grid and detection' }).isChecked(),
    ).toBe(false);
    expect(await page.locator('body').innerText()).not.toContain(PASSWORD);
    await screenshot(page, 'onvif-3-profiles');

    await signIn.getByRole('button', { name: 'Next: check streams' }).click();
    const check = page.getByRole('dialog', { name: 'Check and add' });
    expect(await check.getByLabel('Name').inputValue()).toBe('Loading Bay');
    expect(await check.getByTestId('chosen-main').textContent()).toBe(dome.mainUrl);
    expect(await check.getByTestId('chosen-sub').textContent()).toBe(dome.subUrl);
    const result = check.getByTestId('probe-result');
    await result.waitFor({ timeout: 30_000 });
    expect(await check.getByTestId('probe-main').textContent()).toMatch(/H\.264 \(.+\), 1920×1080, 25 fps/);
    expect(await check.getByTestId('probe-sub').textContent()).toContain('640×360');
    expect(await check.getByTestId('advice-roles').textContent()).toContain('sub stream (640×360 H.264');
    await screenshot(page, 'onvif-4-checked');

    await check.getByRole('button', { name: 'Add camera' }).click();
    await check.waitFor({ state: 'detached' });
    const [camera] = await listCameras(server.url);
    expect(camera).toMatchObject({
      name: 'Loading Bay',
      rtspUrl: dome.mainUrl,
      subStreamUrl: dome.subUrl,
      username: USERNAME,
      hasPassword: true,
    });
    const cameraRow = page.getByTestId('camera-row').filter({ hasText: 'Loading Bay' });
    await expect
      .poll(
        () => cameraRow.getByTestId('camera-status').locator('[data-status]').getAttribute('data-status'),
        { timeout: 30_000 },
      )
      .toBe('recording');
    await expect.poll(() => cameraRow.textContent(), { timeout: 30_000 }).toMatch(/(^|\D)2[45](\.\d+)? fps/);
    await screenshot(page, 'onvif-5-recording');

    // A second scan marks the device as added.
    await page.getByRole('button', { name: 'Find cameras' }).click();
    const again = page.getByRole('dialog', { name: 'Find cameras' });
    await again
      .getByLabel('Also probe these addresses (optional)')
      .fill(`127.0.0.1:${String(sim.discoveryPort)}`);
    await again.getByTestId('scan').click();
    await expect
      .poll(() => again.getByTestId('already-added').textContent(), { timeout: 15_000 })
      .toBe('Already added as Loading Bay');
    await again.getByTestId('scan-summary').waitFor({ timeout: 15_000 });
    await screenshot(page, 'onvif-6-already-added');
    await again.getByRole('button', { name: 'Cancel' }).click();

    expect(watched.problems).toEqual([]);
    expect(await watched.cspViolations()).toEqual([]);
  }, 150_000);
});
