import { useSyncExternalStore } from 'react';

/** The pages of the shell, in navigation order. The hash (`#/cameras`) names the page. */
export const ROUTES = [
  { id: 'live', label: 'Live' },
  { id: 'playback', label: 'Playback' },
  { id: 'events', label: 'Events' },
  { id: 'exports', label: 'Exports' },
  { id: 'cameras', label: 'Cameras' },
  { id: 'storage', label: 'Storage' },
  { id: 'system', label: 'System' },
] as const;

export type RouteId = (typeof ROUTES)[number]['id'];

export const DEFAULT_ROUTE: RouteId = 'live';

export function routeFromHash(hash: string): RouteId {
  const id = hash.replace(/^#\/?/, '');
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
