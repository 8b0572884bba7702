import {
  isEventName,
  isMethodName,
  toApiError,
  type ApiError,
  type EventName,
  type Outcome,
} from '../../common/contract/index.js';
import type { EngineApi, Logger } from '../engine/ports.js';
import { EVENT_CHANNEL, INVOKE_CHANNEL, SUBSCRIBE_CHANNEL } from '../preload/ipc-channels.js';
import { isAppUrl } from './app-protocol.js';

/** The slice of Electron's `WebContents` the bridge uses. */
export interface BridgeWebContents {
  readonly id: number;
  send(channel: string, ...args: unknown[]): void;
  isDestroyed(): boolean;
  /** The main frame's URL now (checked again before each event is sent). */
  getURL(): string;
  once(event: 'destroyed', listener: () => void): unknown;
}

/** The slice of Electron's `IpcMainInvokeEvent` the bridge uses. */
export interface BridgeInvokeEvent {
  readonly sender: BridgeWebContents;
  /** Null when the frame has navigated away or been destroyed since it sent the message. */
  readonly senderFrame: { readonly url: string } | null;
}

/** The slice of Electron's `ipcMain` the bridge uses. */
export interface BridgeIpcMain {
  handle(channel: string, listener: (event: BridgeInvokeEvent, ...args: unknown[]) => Promise<unknown>): void;
  removeHandler(channel: string): void;
}

/** What `registerIpcBridge` needs. */
export interface IpcBridgeOptions {
  ipcMain: BridgeIpcMain;
  engine: Pick<EngineApi, 'call' | 'onAny'>;
  logger: Logger;
  /** Which page URLs may call; defaults to our `app://omnisight` origin. */
  isTrustedUrl?: (url: string) => boolean;
}

/** The registered bridge. */
export interface IpcBridge {
  /** Removes the handlers and the engine subscription; pending calls still answer. */
  dispose(): void;
  /** How many pages currently receive events (for tests and diagnostics). */
  readonly subscriberCount: number;
}

interface Subscriber {
  contents: BridgeWebContents;
  events: ReadonlySet<EventName>;
}

const FORBIDDEN: ApiError = { code: 'forbidden', message: 'This page may not call the OmniSight engine.' };

function failure(error: ApiError): Outcome<never> {
  return { ok: false, error };
}

// A method name is echoed back only when it looks like one, so the message never carries arbitrary text.
function describeMethod(value: unknown): string {
  return typeof value === 'string' && /^[A-Za-z]{1,32}\.[A-Za-z]{1,32}$/.test(value) ? ` "${value}"` : '';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The main-process half of the IPC transport (design.md: transports only decode, validate, call and encode).
 * Every call first proves it comes from our own page: the sender frame's URL must be on `app://omnisight`,
 * which no web content can claim. The engine validates the argument; every answer is an `Outcome` value,
 * because Electron reduces a thrown error to its message.
 */
export function registerIpcBridge(options: IpcBridgeOptions): IpcBridge {
  const { ipcMain, engine } = options;
  const logger = options.logger.child({ component: 'ipc' });
  const isTrustedUrl = options.isTrustedUrl ?? isAppUrl;
  const subscribers = new Map<number, Subscriber>();
  // webContents whose 'destroyed' event we already watch, so re-subscribing never stacks listeners.
  const watched = new Set<number>();

  function isTrusted(event: BridgeInvokeEvent): boolean {
    const url = event.senderFrame?.url;
    if (url !== undefined && isTrustedUrl(url)) return true;
    // The URL may identify the user's camera host if the page was somehow navigated; log only the scheme.
    const scheme = url === undefined ? 'gone' : (/^[a-z][a-z0-9+.-]*:/i.exec(url)?.[0] ?? 'unparsable');
    logger.warn(
      { webContentsId: event.sender.id, scheme },
      'refused IPC from a frame outside the app origin',
    );
    return false;
  }

  ipcMain.handle(INVOKE_CHANNEL, async (event, request) => {
    if (!isTrusted(event)) return failure(FORBIDDEN);
    if (!isRecord(request) || typeof request.method !== 'string') {
      return failure({ code: 'validation', message: 'A call needs { method, argument }.' });
    }
    const { method, argument } = request;
    // Checked here as well as in the engine, so no string from a page is ever used to look anything up.
    if (!isMethodName(method)) {
      return failure({ code: 'not_found', message: `Unknown method${describeMethod(method)}.` });
    }
    try {
      return { ok: true, value: await engine.call(method, argument) } satisfies Outcome<unknown>;
    } catch (error) {
      const apiError = toApiError(error);
      if (apiError.code === 'internal') logger.error({ method, err: error }, 'call failed');
      return failure(apiError);
    }
  });

  ipcMain.handle(SUBSCRIBE_CHANNEL, (event, request) => {
    if (!isTrusted(event)) return Promise.resolve(failure(FORBIDDEN));
    const names = isRecord(request) && Array.isArray(request.events) ? (request.events as unknown[]) : null;
    if (names === null) {
      return Promise.resolve(
        failure({ code: 'validation', message: 'A subscription needs { events: [...] }.' }),
      );
    }
    const unknownCount = names.filter((name) => !isEventName(name)).length;
    if (unknownCount > 0) {
      return Promise.resolve(
        failure({ code: 'validation', message: `${unknownCount} unknown event name(s).` }),
      );
    }
    const contents = event.sender;
    const events = new Set(names.filter(isEventName));
    if (!watched.has(contents.id)) {
      watched.add(contents.id);
      contents.once('destroyed', () => {
        watched.delete(contents.id);
        subscribers.delete(contents.id);
      });
    }
    if (events.size === 0) {
      subscribers.delete(contents.id);
    } else {
      subscribers.set(contents.id, { contents, events });
    }
    return Promise.resolve({ ok: true, value: null } satisfies Outcome<null>);
  });

  const stopForwarding = engine.onAny((name, payload) => {
    for (const [id, { contents, events }] of subscribers) {
      if (contents.isDestroyed()) {
        subscribers.delete(id);
        continue;
      }
      if (!events.has(name)) continue;
      // Navigation is refused, but if a page ever left our origin it must not keep receiving camera data.
      if (!isTrustedUrl(contents.getURL())) continue;
      try {
        contents.send(EVENT_CHANNEL, name, payload);
      } catch (error) {
        logger.warn({ webContentsId: id, event: name, err: error }, 'could not forward an event');
      }
    }
  });

  return {
    dispose() {
      ipcMain.removeHandler(INVOKE_CHANNEL);
      ipcMain.removeHandler(SUBSCRIBE_CHANNEL);
      stopForwarding();
      subscribers.clear();
    },
    get subscriberCount() {
      return subscribers.size;
    },
  };
}
