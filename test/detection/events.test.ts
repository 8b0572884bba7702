/**
 * Detection events end to end (issue 6): an in-process engine records two fake RTSP cameras looping the
 * generated scene clips with real FFmpeg, decodes RGB for detection from the same sessions, runs the real
 * motion worker and the real NanoDet detector worker (wasm; the built workers in out/workers, forked as the
 * headless engine does), tracks, and stores events. The person clip makes a `person` event with its
 * `detected_objects` row, a recording link and a JPEG snapshot, which ends after the person left; the
 * negative clip (lighting drift, noise, swaying grass) makes none. The event also reaches a real MQTT broker
 * (mosquitto, started here) in Frigate's layout, a signed webhook and the desktop notifier port.
 */
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DetectionEvent } from '../../common/contract/index.js';
import { startFakeCameras, type FakeCameras } from '../fake-cameras/index.js';
import { startTestEngine, waitFor, type TestEngine } from '../recording/recording-helpers.js';
import { startBroker, subscribe, type Broker } from '../support/mosquitto.js';
import type { DesktopNotice } from '../../electron/engine/notifications/notification-service.js';
import { assertBuiltWorkers, detectionWorkerHost } from './detection-rig.js';
import { ensureSceneClip } from './scene-clips.js';

let fakes: FakeCameras;
let rig: TestEngine | undefined;
let broker: Broker;
let hookServer: http.Server;
let hookUrl: string;
const hooks: { body: string; signature: string | undefined; kind: string | undefined }[] = [];

beforeAll(async () => {
  assertBuiltWorkers();
  const [person, negative] = await Promise.all([ensureSceneClip('person'), ensureSceneClip('negative-all')]);
  broker = await startBroker();
  hookServer = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      const signature = request.headers['x-omnisight-signature'];
      const kind = request.headers['x-omnisight-event'];
      hooks.push({ body, signature: signature as string | undefined, kind: kind as string | undefined });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => hookServer.listen(0, '127.0.0.1', resolve));
  hookUrl = `http://127.0.0.1:${(hookServer.address() as AddressInfo).port}/hook/secret-path-9`;
  fakes = await startFakeCameras({
    cameras: [
      { name: 'porch', clipPath: person.path },
      { name: 'lawn', clipPath: negative.path },
    ],
  });
}, 120_000);

afterAll(async () => {
  await rig?.close();
  await fakes.stopAll();
  await broker.stop();
  await new Promise((resolve) => hookServer.close(resolve));
});

describe('detection events on real cameras', () => {
  it('makes a person event with a snapshot from the person clip and none from the negative clip', async () => {
    const notices: DesktopNotice[] = [];
    rig = await startTestEngine({
      workerHost: detectionWorkerHost(),
      motion: { enabled: true, objects: true, fps: 5, width: 640 },
      detectorPool: { preferBackend: 'tfjs-wasm', size: 1 },
      desktopNotifier: (notice) => notices.push(notice),
    });
    const { engine } = rig;
    await engine.call('notifications.settings.set', {
      mqtt: { enabled: true, url: broker.url, username: 'omnisight', password: 'mqtt-pass-5150' },
      webhooks: [{ url: hookUrl, labels: ['person'], secret: 'webhook-secret-5150' }],
    });
    const mqttMessages = await subscribe(broker.url, 'omnisight/#');
    const pushed = () =>
      rig?.events.filter((entry) => entry.event.startsWith('events.')) as
        { event: string; payload: DetectionEvent; at: number }[] | undefined;
    const porch = await rig.add({ name: 'Porch', rtspUrl: fakes.camera('porch').mainUrl, segmentSeconds: 4 });
    const lawn = await rig.add({ name: 'Lawn', rtspUrl: fakes.camera('lawn').mainUrl, segmentSeconds: 4 });

    // The person crosses in every 12 s loop: an event starts, gets its snapshot, and ends after they left.
    const created = await waitFor(
      () =>
        pushed()?.find((entry) => entry.event === 'events.created' && entry.payload.cameraId === porch.id),
      60_000,
      'a person event on the porch camera',
    );
    expect(created.payload).toMatchObject({ label: 'person', endTime: null, locked: false });
    expect(created.payload.score).toBeGreaterThanOrEqual(0.5);
    const id = created.payload.id;
    const ended = await waitFor(
      () => pushed()?.find((entry) => entry.event === 'events.ended' && entry.payload.id === id),
      40_000,
      'the person event to end',
    );
    expect(ended.payload.endTime).toBeGreaterThan(ended.payload.startTime);
    // About 8 s in view plus the 5 s after leaving, give or take the detector's pace.
    expect((ended.payload.endTime ?? 0) - ended.payload.startTime).toBeGreaterThan(5_000);
    expect((ended.payload.endTime ?? 0) - ended.payload.startTime).toBeLessThan(25_000);

    const [listed] = (await engine.call('events.list', {
      cameraIds: [porch.id],
      labels: ['person'],
    })) as DetectionEvent[];
    expect(listed).toBeDefined();
    expect(listed?.hasSnapshot).toBe(true);
    // The box is where the person stands: in the lower part of the frame, about 140×200 of 640×360.
    expect(listed?.box.height).toBeGreaterThan(0.3);
    expect(listed?.box.y).toBeGreaterThan(0.15);
    const snapshot = engine.eventSnapshot(String(listed?.id), 'snapshot');
    expect(fs.readFileSync(snapshot).subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    const database = (await import('better-sqlite3')).default(path.join(rig.dataDir, 'omnisight.db'), {
      readonly: true,
    });
    try {
      const row = database.prepare('select recording_id from events where id = ?').get(listed?.id) as {
        recording_id: number | null;
      };
      expect(row.recording_id).not.toBeNull();
      const objects = database
        .prepare('select type, confidence from detected_objects where event_id = ?')
        .all(listed?.id) as { type: string; confidence: number }[];
      expect(objects).toEqual([{ type: 'person', confidence: listed?.score }]);
    } finally {
      database.close();
    }

    // The negative camera moved all along (light, noise, sway) and was looked at, yet made no event.
    const lawnStats = engine.objects.stats().cameras.find((entry) => entry.cameraId === lawn.id);
    console.log('[events] negative camera:', JSON.stringify(lawnStats));
    expect(lawnStats?.requests).toBeGreaterThan(10);
    expect(pushed()?.filter((entry) => entry.payload.cameraId === lawn.id)).toEqual([]);
    expect(await engine.call('events.list', { cameraIds: [lawn.id] })).toEqual([]);

    // Notifications: the broker saw the event begin and end as Frigate would publish them, with the counts;
    // the webhook got it signed; the desktop port was told once. No password in any of it or in the logs.
    const published = (type: string) =>
      mqttMessages.messages
        .filter((message) => message.topic === 'omnisight/events')
        .map((message) => JSON.parse(message.payload) as { type: string; after: Record<string, unknown> })
        .find((message) => message.type === type && message.after['id'] === String(id));
    const mqttNew = await waitFor(() => published('new'), 5_000, 'the new event on MQTT');
    expect(mqttNew.after).toMatchObject({
      camera: 'porch',
      camera_id: porch.id,
      label: 'person',
      end_time: null,
    });
    const mqttEnd = await waitFor(() => published('end'), 5_000, 'the end of the event on MQTT');
    expect(mqttEnd.after['end_time']).toBe((ended.payload.endTime ?? 0) / 1000);
    // The count is the porch's open person events: it starts at 1 and moves one at a time. The person crosses
    // every 12 s and an event lasts about 13 s, so the next crossing may open before this one ends (1, 2, 1…).
    const porchCounts = await waitFor(
      () => {
        const counts = mqttMessages.messages
          .filter((message) => message.topic === 'omnisight/porch/person')
          .map((message) => Number(message.payload));
        return counts.some((count, index) => index > 0 && count < counts[index - 1]!) ? counts : undefined;
      },
      5_000,
      'the porch person count to drop when the event ended',
    );
    expect(porchCounts[0]).toBe(1);
    for (let index = 1; index < porchCounts.length; index++)
      expect(Math.abs(porchCounts[index]! - porchCounts[index - 1]!)).toBe(1);
    expect(mqttMessages.messages.some((m) => m.topic.startsWith('omnisight/lawn/'))).toBe(false);
    await mqttMessages.close();
    const hook = await waitFor(() => hooks.find((entry) => entry.kind === 'new'), 10_000, 'the webhook');
    expect(JSON.parse(hook.body)).toMatchObject({ type: 'new', after: { id: String(id), label: 'person' } });
    expect(hook.signature).toBe(
      `sha256=${createHmac('sha256', 'webhook-secret-5150').update(hook.body).digest('hex')}`,
    );
    expect(notices[0]).toMatchObject({ title: 'Person at Porch', eventId: id, cameraId: porch.id });
    const status = (await engine.call('notifications.status', {})) as {
      mqtt: { state: string };
      webhooks: { failed: number }[];
    };
    expect(status.mqtt.state).toBe('connected');
    expect(status.webhooks[0]?.failed).toBe(0);
    const settingsText = JSON.stringify(await engine.call('notifications.settings.get', {}));
    for (const secret of ['mqtt-pass-5150', 'webhook-secret-5150']) {
      expect(settingsText).not.toContain(secret);
      expect(rig.logText()).not.toContain(secret);
    }
    expect(rig.logText()).not.toContain('secret-path-9');
  }, 150_000);
});
