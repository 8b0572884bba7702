import type { ClientTransport } from './client-transport.js';
import { createHttpTransport } from './http-transport.js';
import { createIpcTransport } from './ipc-transport.js';

export type { ClientTransport } from './client-transport.js';

/** IPC inside the Electron shell (the preload exposed `window.omnisight`), HTTP + socket.io in a browser. */
export function createDefaultTransport(target: Window = window): ClientTransport {
  return target.omnisight === undefined
    ? createHttpTransport({ origin: target.location.origin })
    : createIpcTransport(target.omnisight);
}
