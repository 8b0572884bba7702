/**
 * Desktop notices in a browser (the web UI through the gateway): the browser's Notification API, once the
 * user allowed it and the `desktop` setting is on. Inside the Electron app the main process shows them
 * (Electron `Notification`), so this stays off there and nothing shows twice.
 */
import { useEffect } from 'react';
import { noticeTitle, type Camera } from '../../../../common/contract/index.js';

import type { ClientTransport } from '../../transport/index.js';

/** Dispatched on `window` after the settings were saved, so the listener reads them again. */
export const NOTIFICATIONS_CHANGED = 'omnisight:notifications-changed';
/** As the engine's desktop notifier: at most one notice per camera this often. */
export const BROWSER_COOLDOWN_MS = 15_000;

/**
 * `cameras` is read when a notice shows (a getter: the list changes with every status push). A viewer may not
 * read the notification settings (`readSettings` false): its notices follow only the browser's own permission
 * for this site, and the gateway sends it events of its own cameras only.
 */
export function useBrowserNotifications(
  transport: ClientTransport,
  cameras: () => readonly Camera[],
  readSettings = true,
): void {
  useEffect(() => {
    if (transport.kind !== 'http' || typeof Notification === 'undefined') return;
    let enabled = !readSettings;
    let cancelled = false;
    const last = new Map<string, number>();
    const load = () => {
      if (!readSettings) return;
      void transport.invoke('notifications.settings.get', {}).then(
        (settings) => {
          if (!cancelled) enabled = settings.desktop.enabled;
        },
        () => undefined,
      );
    };
    load();
    window.addEventListener(NOTIFICATIONS_CHANGED, load);
    const unsubscribe = transport.subscribe('events.created', (event) => {
      if (!enabled || Notification.permission !== 'granted') return;
      const previous = last.get(event.cameraId);
      if (previous !== undefined && Date.now() - previous < BROWSER_COOLDOWN_MS) return;
      last.set(event.cameraId, Date.now());
      const name = cameras().find((camera) => camera.id === event.cameraId)?.name ?? 'a camera';
      const notice = new Notification(noticeTitle(event.label, name), {
        body: `${Math.round(event.score * 100)}% · ${new Date(event.startTime).toLocaleTimeString()}`,
        tag: `omnisight-event-${event.id}`,
      });
      notice.onclick = () => {
        window.focus();
        window.location.hash = '#/events';
      };
    });
    return () => {
      cancelled = true;
      window.removeEventListener(NOTIFICATIONS_CHANGED, load);
      unsubscribe();
    };
  }, [transport, cameras, readSettings]);
}
