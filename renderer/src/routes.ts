import { useSyncExternalStore } from 'react';

/** The pages of the shell, in navigation order. The hash (`#/cameras`) names the page. */
export const ROUTES = [
  { id: 'live', label: 'Live' },
  { id: 'playback', label: 'Playback' },
  { id: 'events', label: 'Events' },
  { id: 'exports', label: 'Exports' },
  { id: 'cameras', label: 'Cameras' },
  { id: 'storage', label: 'Storage' },
  { id: 'users', label: 'Accounts' },
  { id: 'system', label: 'System' },
] as const;

export type RouteId = (typeof ROUTES)[number]['id'];

export const DEFAULT_ROUTE: RouteId = 'live';

export function routeFromHash(hash: string): RouteId {
  // `#/playback?camera=…&at=…`: the page is the part before the query.
  const id = hash.replace(/^#\/?/, '').split('?')[0] ?? '';
  return ROUTES.find((route) => route.id === id)?.id ?? DEFAULT_ROUTE;
}

export function hrefFor(route: RouteId): string {
  return `#/${route}`;
}

function subscribeToHash(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
}

/** The current page; a hash route needs no router, works from a file and survives a reload. */
export function useRoute(): RouteId {
  return useSyncExternalStore(subscribeToHash, () => routeFromHash(window.location.hash));
}

/** The query of the hash route (`#/playback?camera=x&at=1` → camera, at). */
export function hashParams(hash: string): URLSearchParams {
  const index = hash.indexOf('?');
  return new URLSearchParams(index === -1 ? '' : hash.slice(index + 1));
}

/** A playback target from the hash (the Events page's "Play"), or null. */
export function playbackTarget(hash: string): { cameraId: string; at: number } | null {
  const params = hashParams(hash);
  const cameraId = params.get('camera');
  const at = Number(params.get('at'));
  if (cameraId === null || !/^cam-[0-9a-f]{10}$/.test(cameraId) || !Number.isSafeInteger(at) || at < 0)
    return null;
  return { cameraId, at };
}
