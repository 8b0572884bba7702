/**
 * Who may call each method through the LAN gateway (issue 8). The desktop app calls everything; the gateway
 * checks this table for every request and socket message, and the OpenAPI document states it per route.
 *
 * - `public`: no sign-in (liveness only).
 * - `viewer`: any signed-in user, limited to the cameras the account may see (the gateway's guard narrows the
 *   argument or filters the answer; a camera outside the list answers exactly like one that does not exist).
 * - `admin`: configuration, credentials, diagnostics, accounts.
 * - `desktop`: the desktop app only; the gateway refuses it to every account (the gateway's own switch, so
 *   nobody on the network can widen what the network reaches). Not in the OpenAPI document.
 */
import type { MethodName } from './index.js';

export type MethodAccess = 'public' | 'viewer' | 'admin' | 'desktop';

export const METHOD_ACCESS = {
  'system.health': 'public',
  'system.info': 'admin',
  'cameras.list': 'viewer',
  'cameras.get': 'viewer',
  'cameras.add': 'admin',
  'cameras.update': 'admin',
  'cameras.health': 'viewer',
  'cameras.remove': 'admin',
  'cameras.snapshot': 'viewer',
  'streams.probe': 'admin',
  'onvif.discover': 'admin',
  'onvif.connect': 'admin',
  'ptz.info': 'viewer',
  'ptz.move': 'viewer',
  'ptz.stop': 'viewer',
  'ptz.gotoPreset': 'viewer',
  'ptz.setPreset': 'admin',
  'exports.create': 'viewer',
  'exports.list': 'viewer',
  'exports.cancel': 'viewer',
  'exports.delete': 'viewer',
  'storage.status': 'admin',
  'storage.settings.get': 'admin',
  'storage.settings.set': 'admin',
  'storage.reconcile': 'admin',
  'timeline.day': 'viewer',
  'timeline.days': 'viewer',
  'recordings.segments': 'viewer',
  'recordings.fragments': 'viewer',
  'events.list': 'viewer',
  'events.lock': 'admin',
  'events.unlock': 'admin',
  'events.listLocked': 'admin',
  'notifications.settings.get': 'admin',
  'notifications.settings.set': 'admin',
  'notifications.status': 'admin',
  'detection.settings.get': 'admin',
  'detection.settings.set': 'admin',
  'users.list': 'admin',
  'users.add': 'admin',
  'users.update': 'admin',
  'users.remove': 'admin',
  'gateway.settings.get': 'desktop',
  'gateway.settings.set': 'desktop',
  'gateway.status': 'desktop',
} as const satisfies Record<MethodName, MethodAccess>;

export type ViewerMethod = {
  [M in MethodName]: (typeof METHOD_ACCESS)[M] extends 'viewer' ? M : never;
}[MethodName];
