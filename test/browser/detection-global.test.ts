/**
 * The detection settings all cameras share, on the System page in Chromium against the built headless server:
 * a bad rate, an odd width and a score over 100 % are refused beside their fields and nothing is stored; good
 * values are saved through the contract, survive a reload, and the engine reports them.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DetectionSettings } from '../../common/contract/index.js';
import { startServer, type RunningServer } from '../support/server.js';
import { apiRequest } from './api.js';
import { launchBrowser, openPage, screenshot } from './browser.js';

let browser: Browser;
let server: RunningServer;

beforeAll(async () => {
  [server, browser] = await Promise.all([startServer(), launchBrowser()]);
}, 60_000);

afterAll(async () => {
  await browser.close();
  await server.stop();
});

async function stored(): Promise<DetectionSettings> {
  const { status, json } = await apiRequest(server.url, 'POST', '/api/rpc/detection.settings.get', {});
  expect(status).toBe(200);
  return json as DetectionSettings;
}

describe('detection settings on the System page', () => {
  it('refuses bad values beside their fields, saves good ones and shows them after a reload', async () => {
    const before = await stored();
    const watched = await openPage(browser, `${server.url}/#/system`);
    const { page } = watched;
    const section = page.getByRole('form', { name: 'Detection settings' });
    await page.getByTestId('detection-fps').waitFor();
    expect(await page.getByTestId('detection-fps').inputValue()).toBe(String(before.fps));
    expect(await section.getByTestId('label-person').getByRole('checkbox').isChecked()).toBe(true);

    await page.getByTestId('detection-fps').fill('fast');
    await page.getByTestId('detection-width').fill('641');
    await section.getByLabel('Minimum score of car, percent').fill('150');
    await section.getByRole('button', { name: 'Save detection settings' }).click();
    const fieldOf = (testId: string) => page.locator('.field', { has: page.getByTestId(testId) });
    await expect
      .poll(() => fieldOf('detection-width').locator('.field__error').textContent())
      .toContain('even');
    expect(await fieldOf('detection-fps').locator('.field__error').count()).toBe(1);
    expect(await section.getByTestId('label-car').locator('.field__error').textContent()).toContain(
      '0 to 100',
    );
    await screenshot(page, 'detection-global-1-refused');
    expect(await stored()).toEqual(before);

    await page.getByTestId('detection-fps').fill('2');
    await page.getByTestId('detection-width').fill('480');
    await section.getByLabel('Minimum score of car, percent').fill('75');
    await section.getByTestId('label-dog').getByRole('checkbox').uncheck();
    await section.getByTestId('label-bird').getByRole('checkbox').check();
    await section.getByLabel('Minimum score of bird, percent').fill('50');
    await section.getByRole('button', { name: 'Save detection settings' }).click();
    await page.getByTestId('detection-saved').waitFor();
    const after = await stored();
    expect(after).toMatchObject({ fps: 2, width: 480 });
    expect(after.labels['car']?.minScore).toBe(0.75);
    expect(after.labels['bird']?.minScore).toBe(0.5);
    expect(after.labels['dog']).toBeUndefined();
    expect(after.labels['person']).toEqual(before.labels['person']);
    await screenshot(page, 'detection-global-2-saved');

    await page.reload();
    await page.getByTestId('detection-fps').waitFor();
    expect(await page.getByTestId('detection-fps').inputValue()).toBe('2');
    expect(await section.getByLabel('Minimum score of car, percent').inputValue()).toBe('75');
    expect(await section.getByTestId('label-dog').getByRole('checkbox').isChecked()).toBe(false);
    await watched.close();
  }, 60_000);
});
