/**
 * Live view: attaches viewers (WebSocket or IPC sinks) to the live hub of a camera's stream. A viewer stays
 * attached across recorder restarts (a camera edit, a reconnect): it follows the camera's current recorder and
 * gets a fresh init segment whenever the stream restarts. A disabled camera keeps its viewers waiting; a removed
 * camera closes them.
 *
 * Nobody watching costs nothing here: the hub only copies fragments for viewers (see ingest/live-hub.ts).
 */
import { z } from 'zod';
import { CameraId, parseArgument } from '../../../common/contract/index.js';
import type { CameraService } from '../cameras/camera-service.js';
import type { EventBus } from '../events/event-bus.js';
import { mseMimeType } from '../ingest/fmp4.js';
import type { LiveHub, LiveViewer } from '../ingest/live-hub.js';
import type { LiveApi, LiveSink, LiveStreamKind, Logger } from '../ports.js';
import type { RecordingManager } from '../recording/recording-manager.js';

const LiveOpenInput = z.strictObject({ cameraId: CameraId, stream: z.enum(['main', 'sub']) });

/** How often viewers re-check which hub serves their camera, besides the camera events that prompt it. */
const RESOLVE_INTERVAL_MS = 2000;

export interface LiveService extends LiveApi {
  /** Viewers attached now (waiting ones included). */
  readonly viewerCount: number;
  stop(): void;
}

interface Subscription {
  cameraId: string;
  stream: LiveStreamKind;
  sink: LiveSink;
  hub: LiveHub | null;
  served: LiveStreamKind;
  detach: (() => void) | null;
}

export function createLiveService(options: {
  cameras: Pick<CameraService, 'get'>;
  recording: Pick<RecordingManager, 'recorder'>;
  events: Pick<EventBus, 'on'>;
  logger: Logger;
}): LiveService {
  const logger = options.logger.child({ component: 'live' });
  const subscriptions = new Set<Subscription>();

  function hubFor(subscription: Subscription): { hub: LiveHub; served: LiveStreamKind } | null {
    const recorder = options.recording.recorder(subscription.cameraId);
    if (recorder === undefined) return null;
    if (subscription.stream === 'sub' && recorder.sub !== null)
      return { hub: recorder.sub.hub, served: 'sub' };
    return { hub: recorder.main.hub, served: 'main' };
  }

  /** Attaches the subscription to the hub that serves its camera now (or none while the camera is off). */
  function resolve(subscription: Subscription): void {
    const target = hubFor(subscription);
    if (target?.hub === subscription.hub) return;
    subscription.detach?.();
    subscription.detach = null;
    subscription.hub = target?.hub ?? null;
    if (target === null) return;
    subscription.served = target.served;
    const { hub } = target;
    const viewer: LiveViewer = {
      send(data, kind) {
        if (kind === 'fragment') return subscription.sink.fragment(data);
        const init = hub.initSegment;
        if (init !== null) subscription.sink.init(mseMimeType(init.tracks), subscription.served, data);
        return true;
      },
    };
    subscription.detach = hub.add(viewer);
  }

  function resolveCamera(cameraId: string): void {
    for (const subscription of subscriptions) if (subscription.cameraId === cameraId) resolve(subscription);
  }

  function end(subscription: Subscription, reason: string, retry: boolean): void {
    if (!subscriptions.delete(subscription)) return;
    subscription.detach?.();
    subscription.detach = null;
    subscription.sink.close(reason, retry);
  }

  const unsubscribe = [
    options.events.on('cameras.statusChanged', ({ id }) => resolveCamera(id)),
    options.events.on('cameras.updated', ({ id }) => resolveCamera(id)),
    options.events.on('cameras.removed', ({ id }) => {
      for (const subscription of [...subscriptions]) {
        if (subscription.cameraId === id) end(subscription, 'The camera was removed.', false);
      }
    }),
  ];
  // Recorders are replaced asynchronously after the events above; a slow check catches what they missed.
  const timer = setInterval(() => {
    for (const subscription of subscriptions) resolve(subscription);
  }, RESOLVE_INTERVAL_MS);
  timer.unref();

  return {
    open(cameraId, stream, sink) {
      const input = parseArgument(LiveOpenInput, { cameraId, stream }, 'live stream');
      // Throws not_found for an unknown or removed camera.
      options.cameras.get({ id: input.cameraId });
      const subscription: Subscription = {
        cameraId: input.cameraId,
        stream: input.stream,
        sink,
        hub: null,
        served: 'main',
        detach: null,
      };
      subscriptions.add(subscription);
      resolve(subscription);
      logger.debug({ cameraId: input.cameraId, stream: input.stream }, 'live viewer opened');
      return () => {
        if (!subscriptions.delete(subscription)) return;
        subscription.detach?.();
        subscription.detach = null;
      };
    },
    get viewerCount() {
      return subscriptions.size;
    },
    stop() {
      clearInterval(timer);
      for (const off of unsubscribe) off();
      for (const subscription of [...subscriptions]) end(subscription, 'OmniSight is shutting down.', true);
    },
  };
}
