/**
 * The Events page in Chromium against the built headless server with object detection on (issue 6): a fake
 * RTSP camera loops the generated person clip; the real motion and detector workers make a person event,
 * which shows with its thumbnail; the filters (object, camera, score) hide and show it; the snapshot opens
 * with the box drawn over it; "Play" opens playback on that camera 5 s before the event; the event's marker on
 * the playback timeline plays it from the same point. Then the web UI's browser notifications: allowed with
 * the page's own button and switched on in the System page's settings, the next person event shows a browser
 * notification (the real Notification API, recorded by a wrapper) whose click opens the Events page.
 * Screenshots saved.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { DetectionEvent } from '../../common/contract/index.js';
import { openDatabase } from '../../electron/engine/db/open-database.js';
import { settings } from '../../electron/engine/db/schema.js';
import { createSilentLogger } from '../../electron/engine/logging/logger.js';
import { ensureSceneClip } from '../detection/scene-clips.js';
import { startFakeCameras, type FakeCameras } from '../fake-cameras/index.js';
import { makeTempDir, REPO_ROOT, startServer, type RunningServer } from '../support/server.js';
import { addCamera, apiRequest } from './api.js';
import { launchBrowser, openPage, screenshot, signInContext, type WatchedPage } from './browser.js';
import { clickTimelineAt } from './playback-page.js';

let fakes: FakeCameras;
let server: RunningServer;
let browser: Browser;
let watched: WatchedPage | undefined;
let notified: WatchedPage | undefined;

/**
 * Records every notification the page creates, around the real constructor: `permission` and
 * `requestPermission` are read from the real one, so the page sees the browser's own answers.
 */
const RECORD_NOTIFICATIONS = `(() => {
  const Real = window.Notification;
  if (Real === undefined) return;
  window.omnisightNotices = [];
  window.Notification = new Proxy(Real, {
    construct(target, args) {
      const notice = new target(...args);
      window.omnisightNotices.push({ title: args[0], body: args[1]?.body, tag: args[1]?.tag, at: Date.now() });
      window.omnisightLastNotice = notice;
      return notice;
    },
    get(target, property) {
      const value = target[property];
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
})();`;

beforeAll(async () => {
  const person = await ensureSceneClip('person');
  fakes = await startFakeCameras({ cameras: [{ name: 'porch', clipPath: person.path }] });
  // Object detection on, as a user turns it on: the stored settings row the engine reads at start.
  const dataDir = makeTempDir();
  const database = await openDatabase({
    file: path.join(dataDir, 'omnisight.db'),
    migrationsDir: path.join(REPO_ROOT, 'drizzle'),
    logger: createSilentLogger(),
    clock: { now: () => Date.now() },
  });
  database.db
    .insert(settings)
    .values({ key: 'detection.motion', value: { enabled: true, objects: true }, updatedAt: Date.now() })
    .run();
  database.close();
  [server, browser] = await Promise.all([startServer({ dataDir }), launchBrowser()]);
}, 120_000);

afterAll(async () => {
  await watched?.close();
  await notified?.close();
  await browser.close();
  await server.stop();
  await fakes.stopAll();
  fs.rmSync(server.dataDir, { recursive: true, force: true });
});

describe('Events page', () => {
  it('lists the person event with its thumbnail, filters it, shows the snapshot and plays it', async () => {
    const camera = await addCamera(server.url, {
      name: 'Porch',
      rtspUrl: fakes.camera('porch').mainUrl,
      segmentSeconds: 4,
    });
    await addCamera(server.url, { name: 'Garage', rtspUrl: 'demo:garage', enabled: false });
    let event: DetectionEvent | undefined;
    await expect
      .poll(
        async () => {
          const { json } = await apiRequest(
            server.url,
            'GET',
            `/api/events?camera=${camera.id}&label=person`,
          );
          event = (json as DetectionEvent[]).find((entry) => entry.hasSnapshot);
          return event !== undefined;
        },
        { timeout: 90_000, interval: 1_000 },
      )
      .toBe(true);
    if (event === undefined) throw new Error('no event');

    watched = await openPage(browser, `${server.url}/#/events`);
    const { page } = watched;
    await page.getByRole('heading', { name: 'Events' }).waitFor();
    const card = page.locator(`[data-testid="event"][data-event-id="${event.id}"]`);
    await card.waitFor({ timeout: 15_000 });
    expect(await card.textContent()).toContain('person');
    // The camera name comes from the cameras list, which can arrive after the events.
    await expect.poll(() => card.textContent(), { timeout: 10_000 }).toContain('Porch');
    const thumbnail = card.locator('img');
    await expect
      .poll(
        () =>
          thumbnail.evaluate(
            (image: { complete: boolean; naturalWidth: number }) => image.complete && image.naturalWidth,
          ),
        {
          timeout: 10_000,
        },
      )
      .toBe(240);
    await screenshot(page, 'events-1-list');

    // Filters: another object, another camera, a higher score than it has: gone; back: shown.
    const filters = page.getByRole('search', { name: 'Filter events' });
    await filters.getByLabel('Object').selectOption('car');
    await page.getByTestId('events-empty').waitFor();
    await filters.getByLabel('Object').selectOption('person');
    await card.waitFor();
    await filters.getByLabel('Camera').selectOption({ label: 'Garage' });
    await page.getByTestId('events-empty').waitFor();
    await filters.getByLabel('Camera').selectOption({ label: 'Porch' });
    await card.waitFor();
    const score = event.score;
    if (score < 0.9) {
      await filters.getByLabel('Score').selectOption({ label: '90 % or more' });
      await page.getByTestId('events-empty').waitFor();
      await filters.getByLabel('Score').selectOption({ label: 'Any score' });
      await card.waitFor();
    }
    await filters.getByLabel('Zone').fill('driveway');
    await page.getByTestId('events-empty').waitFor();
    await filters.getByLabel('Zone').fill('');
    await card.waitFor();

    // The snapshot, with the box drawn over it where the person stands.
    await card.getByRole('button', { name: /Show the snapshot of person on Porch/ }).click();
    const dialog = page.getByRole('dialog', { name: 'person on Porch' });
    const image = dialog.locator('img');
    await expect
      .poll(() =>
        image.evaluate(
          (element: { complete: boolean; naturalWidth: number }) => element.complete && element.naturalWidth,
        ),
      )
      .toBe(640);
    const box = await dialog.getByTestId('event-box').boundingBox();
    const frame = await image.boundingBox();
    expect(box !== null && frame !== null && box.height / frame.height).toBeGreaterThan(0.3);
    await screenshot(page, 'events-2-snapshot');
    await dialog.getByRole('button', { name: 'Close' }).click();

    // Play: playback on that camera, from 5 s before the event.
    await card.getByTestId('event-play').click();
    await page.getByRole('heading', { name: 'Playback' }).waitFor();
    expect(page.url()).toContain(`#/playback?camera=${camera.id}&at=${event.startTime - 5_000}`);
    expect(
      await page.locator(`[data-testid="playback-camera"][data-camera-id="${camera.id}"]`).isChecked(),
    ).toBe(true);
    await expect
      .poll(
        async () => {
          const wall = await page.getByTestId('playback-time').getAttribute('datetime');
          return wall === null ? Number.NaN : Math.abs(Date.parse(wall) - (event?.startTime ?? 0));
        },
        { timeout: 20_000 },
      )
      .toBeLessThan(10_000);
    await screenshot(page, 'events-3-playback');

    // The timeline marks the event on the Porch band. Play from later on, then click the marker: playback goes
    // back to 5 s before the event.
    const playbackAt = async () => {
      const wall = await page.getByTestId('playback-time').getAttribute('datetime');
      return wall === null ? Number.NaN : Date.parse(wall);
    };
    const later = event.startTime + 20_000;
    await expect.poll(() => Date.now(), { timeout: 40_000, interval: 500 }).toBeGreaterThan(later + 10_000);
    await clickTimelineAt(page, camera, later);
    await expect
      .poll(async () => Math.abs((await playbackAt()) - later), { timeout: 20_000 })
      .toBeLessThan(3_000);
    const marker = page.locator(
      `[data-testid="timeline-band"][data-camera-id="${camera.id}"] [data-testid="timeline-marker"][data-event-id="${event.id}"]`,
    );
    expect(await marker.getAttribute('aria-label')).toMatch(/^Play the person \d+ % at /);
    await screenshot(page, 'events-4-timeline-markers');
    await marker.click();
    await expect
      .poll(async () => Math.abs((await playbackAt()) - (event!.startTime - 5_000)), { timeout: 20_000 })
      .toBeLessThan(2_000);

    expect(watched.problems).toEqual([]);
    expect(await watched.cspViolations()).toEqual([]);
  }, 180_000);

  it('shows a browser notification for a new event once allowed and switched on; its click opens Events', async () => {
    notified = await openPage(browser, 'about:blank');
    const { page, context } = notified;
    await context.addInitScript({ content: RECORD_NOTIFICATIONS });
    await signInContext(context, server.url);
    await page.goto(`${server.url}/#/system`);
    const desktop = page.getByTestId('notify-desktop');
    await desktop.waitFor();
    if (!(await desktop.isChecked())) await desktop.check();
    // Not allowed yet: the page offers the browser's permission prompt. The user says yes (Playwright grants
    // it, as clicking "Allow" in Chromium's prompt would), and the page says the browser will show them.
    const allow = page.getByRole('button', { name: 'Allow in this browser' });
    await allow.waitFor();
    await screenshot(page, 'events-5-notifications-allow');
    await context.grantPermissions(['notifications'], { origin: server.url });
    await allow.click();
    await expect
      .poll(() => page.getByTestId('browser-permission').textContent())
      .toBe('This browser shows them.');
    await page.getByTestId('notifications-save').click();
    await expect
      .poll(async () => {
        const { json } = await apiRequest(server.url, 'POST', '/api/rpc/notifications.settings.get', {});
        return (json as { desktop: { enabled: boolean } }).desktop.enabled;
      })
      .toBe(true);
    const savedAt = Date.now();

    // The person crosses every 12 s: the next event shows one notification, titled as the desktop app's.
    type Notice = { title: string; body: string; tag: string; at: number };
    const notices = () => page.evaluate<Notice[]>('window.omnisightNotices');
    await expect
      .poll(async () => (await notices()).length, { timeout: 40_000, interval: 500 })
      .toBeGreaterThan(0);
    const [notice] = await notices();
    expect(notice?.title).toBe('Person at Porch');
    expect(notice?.body).toMatch(/^\d+% · /);
    expect(notice?.tag).toMatch(/^omnisight-event-\d+$/);
    expect(notice!.at).toBeGreaterThan(savedAt);
    const eventId = Number(notice?.tag.replace('omnisight-event-', ''));
    const { json } = await apiRequest(server.url, 'GET', `/api/events?label=person`);
    expect((json as DetectionEvent[]).map((event) => event.id)).toContain(eventId);

    // Clicking it brings the window forward on the Events page.
    await page.evaluate('window.omnisightLastNotice.onclick()');
    await page.getByRole('heading', { name: 'Events' }).waitFor();
    expect(page.url()).toContain('#/events');
    await page.locator(`[data-testid="event"][data-event-id="${eventId}"]`).waitFor({ timeout: 15_000 });
    await screenshot(page, 'events-6-after-notification');
    // At most one per camera every 15 s, however many events start.
    const shown = await notices();
    for (let index = 1; index < shown.length; index++)
      expect(shown[index]!.at - shown[index - 1]!.at).toBeGreaterThanOrEqual(15_000);
    expect(notified.problems).toEqual([]);
  }, 90_000);
});
