/**
 * Notification settings on the System page in Chromium against the built headless server and a real MQTT
 * broker (mosquitto): a bad broker URL and a bad webhook URL are refused beside their fields and nothing is
 * saved; good ones are saved, the engine connects to the broker and the page says so; after a reload the
 * password is not shown (only that one is stored) and no API answer contains it.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NotificationSettings } from '../../common/contract/index.js';
import { startBroker, type Broker } from '../support/mosquitto.js';
import { startServer } from '../support/server.js';
import { apiRequest } from './api.js';
import { launchBrowser, openPage, screenshot } from './browser.js';

let browser: Browser | undefined;
let broker: Broker;

beforeAll(async () => {
  browser = await launchBrowser();
  broker = await startBroker();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await broker.stop();
});

async function settingsOf(url: string): Promise<{ settings: NotificationSettings; text: string }> {
  const { status, json } = await apiRequest(url, 'POST', '/api/rpc/notifications.settings.get', {});
  expect(status).toBe(200);
  return { settings: json as NotificationSettings, text: JSON.stringify(json) };
}

describe('notification settings in the browser', () => {
  it(
    'refuses bad URLs beside their fields, saves good ones and connects to the broker',
    { timeout: 90_000 },
    async () => {
      if (browser === undefined) throw new Error('setup failed');
      const server = await startServer();
      try {
        const watched = await openPage(browser, `${server.url}/#/system`);
        const { page } = watched;
        watched.tolerate(/status of 400/);
        await page.getByTestId('notifications-save').waitFor();
        await expect.poll(() => page.getByTestId('mqtt-status').textContent()).toContain('Off');

        // A broker URL that is not mqtt:// is refused beside the field, and nothing is stored.
        await page.getByTestId('mqtt-enabled').check();
        await page.getByTestId('mqtt-url').fill('http://broker.lan');
        await page.getByTestId('notifications-save').click();
        const urlField = page.locator('.field', { has: page.getByTestId('mqtt-url') });
        await expect
          .poll(() => urlField.locator('.field__error').textContent())
          .toContain('must start with mqtt://');
        expect((await settingsOf(server.url)).settings.mqtt.enabled).toBe(false);

        await page.getByTestId('mqtt-url').fill(broker.url);
        await page.getByTestId('mqtt-username').fill('nvr');
        await page.getByTestId('mqtt-password').fill('ui-pass-31337');
        await page.getByTestId('webhook-add').click();
        await page.getByTestId('webhook-url').fill('ftp://files.lan/hook');
        await page.getByTestId('notifications-save').click();
        const hookField = page.locator('.field', { has: page.getByTestId('webhook-url') });
        await expect
          .poll(() => hookField.locator('.field__error').textContent())
          .toContain('http:// or https://');
        await expect.poll(() => page.getByTestId('notifications-error').isVisible()).toBe(true);
        expect((await settingsOf(server.url)).settings.webhooks).toEqual([]);

        await page.getByTestId('webhook-url').fill('http://127.0.0.1:9/hook');
        await page.getByTestId('webhook-labels').fill('Person, car');
        await page.getByTestId('webhook-secret').fill('webhook-secret-31337');
        await page.getByTestId('notifications-save').click();
        await expect.poll(() => page.getByTestId('notifications-saved').textContent()).toBe('Saved.');
        await expect
          .poll(() => page.getByTestId('mqtt-status').textContent(), { timeout: 20_000 })
          .toContain('Connected');
        await screenshot(page, 'notifications-saved');

        // After a reload: the stored settings, no secret in any field, only that they are stored.
        await page.reload();
        await page.getByTestId('notifications-save').waitFor();
        expect(await page.getByTestId('mqtt-url').inputValue()).toBe(broker.url);
        expect(await page.getByTestId('mqtt-password').inputValue()).toBe('');
        expect(await page.getByText('A password is stored; leave empty to keep it.').isVisible()).toBe(true);
        expect(await page.getByTestId('webhook-labels').inputValue()).toBe('person, car');
        expect(await page.getByTestId('webhook-secret').inputValue()).toBe('');
        await expect.poll(() => page.getByTestId('browser-permission').isVisible()).toBe(true);
        const html = await page.content();
        const { settings, text } = await settingsOf(server.url);
        for (const secret of ['ui-pass-31337', 'webhook-secret-31337']) {
          expect(html).not.toContain(secret);
          expect(text).not.toContain(secret);
          expect(server.output()).not.toContain(secret);
        }
        expect(settings.mqtt).toMatchObject({ enabled: true, username: 'nvr', hasPassword: true });
        expect(settings.webhooks[0]).toMatchObject({
          labels: ['person', 'car'],
          hasSecret: true,
          enabled: true,
        });
        await screenshot(page, 'notifications-reloaded');
        expect(watched.problems).toEqual([]);
        await watched.close();
      } finally {
        await server.stop();
      }
    },
  );
});
