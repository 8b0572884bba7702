import {
  isEventName,
  isMethodName,
  parseArgument,
  SegmentBytesRequest,
  toApiError,
  type ApiError,
  type EventName,
  type Outcome,
} from '../../common/contract/index.js';
import fs from 'node:fs';
import type { EngineApi, LiveApi, Logger } from '../engine/ports.js';
import {
  EVENT_CHANNEL,
  INVOKE_CHANNEL,
  LIVE_CHANNEL,
  LIVE_CLOSE_CHANNEL,
  LIVE_OPEN_CHANNEL,
  SEGMENT_CHANNEL,
  SUBSCRIBE_CHANNEL,
  type LiveMessage,
} from '../preload/ipc-channels.js';
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
  /** Live fMP4 for the page's tiles; live view answers `unsupported` without it. */
  live?: LiveApi;
  /**
   * Resolves a recorded segment to its file and leases it (retention keeps it) until `release()`; throws
   * `ContractError`. Playback answers `unsupported` without it.
   */
  leaseSegment?: (cameraId: string, segmentId: number) => { file: string; release(): void };
}

/** The registered bridge. */
export interface IpcBridge {
  /** Removes the handlers and the engine subscription; pending calls still answer. */
  dispose(): void;
  /** How many pages currently receive events (for tests and diagnostics). */
  readonly subscriberCount: number;
  /** Live streams open across pages. */
  readonly liveCount: number;
}

/**
 * Largest segment file sent whole over IPC (15 min of a 16 Mb/s camera is under 2 GB; this is a sanity cap).
 * The player reads ranges (at most `SEGMENT_RANGE_MAX_BYTES` each), never a whole file.
 */
const SEGMENT_MAX_BYTES = 2 * 1024 * 1024 * 1024;

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

  // Live streams by webContents id, then by the id the page chose.
  const liveStreams = new Map<number, Map<number, () => void>>();

  function closeLive(contentsId: number, id: number): void {
    const streams = liveStreams.get(contentsId);
    const close = streams?.get(id);
    if (close === undefined) return;
    streams?.delete(id);
    close();
  }

  ipcMain.handle(LIVE_OPEN_CHANNEL, (event, request) => {
    if (!isTrusted(event)) return Promise.resolve(failure(FORBIDDEN));
    if (!isRecord(request) || !Number.isSafeInteger(request.id)) {
      return Promise.resolve(
        failure({ code: 'validation', message: 'A live stream needs { id, cameraId, stream }.' }),
      );
    }
    if (options.live === undefined) {
      return Promise.resolve(failure({ code: 'unsupported', message: 'This engine has no live view.' }));
    }
    const contents = event.sender;
    const id = request.id as number;
    let streams = liveStreams.get(contents.id);
    if (streams === undefined) {
      streams = new Map();
      liveStreams.set(contents.id, streams);
      contents.once('destroyed', () => {
        for (const close of liveStreams.get(contents.id)?.values() ?? []) close();
        liveStreams.delete(contents.id);
      });
    }
    if (streams.has(id)) {
      return Promise.resolve(failure({ code: 'conflict', message: `Live stream ${id} is already open.` }));
    }
    const send = (message: LiveMessage): void => {
      if (contents.isDestroyed() || !isTrustedUrl(contents.getURL())) return;
      contents.send(LIVE_CHANNEL, id, message);
    };
    try {
      const close = options.live.open(request.cameraId, request.stream, {
        init: (mime, stream, data) => send({ type: 'init', mime, stream, data }),
        fragment(data) {
          send({ type: 'fragment', data });
          return true;
        },
        close(reason, retry) {
          streams.delete(id);
          send({ type: 'close', reason, retry });
        },
      });
      streams.set(id, close);
    } catch (error) {
      return Promise.resolve(failure(toApiError(error)));
    }
    return Promise.resolve({ ok: true, value: null } satisfies Outcome<null>);
  });

  ipcMain.handle(LIVE_CLOSE_CHANNEL, (event, request) => {
    if (!isTrusted(event)) return Promise.resolve(failure(FORBIDDEN));
    if (isRecord(request) && Number.isSafeInteger(request.id))
      closeLive(event.sender.id, request.id as number);
    return Promise.resolve({ ok: true, value: null } satisfies Outcome<null>);
  });

  ipcMain.handle(SEGMENT_CHANNEL, async (event, request) => {
    if (!isTrusted(event)) return failure(FORBIDDEN);
    if (options.leaseSegment === undefined) {
      return failure({ code: 'unsupported', message: 'This engine has no recordings.' });
    }
    let leased: { file: string; release(): void } | null = null;
    try {
      const { cameraId, segmentId, start, length } = parseArgument(
        SegmentBytesRequest,
        request,
        'segment request',
      );
      // The engine checks both ids and resolves the file under the recordings root; nothing from the page is a
      // path. The lease keeps retention from deleting the file while it is read.
      leased = options.leaseSegment(cameraId, segmentId);
      const handle = await fs.promises.open(leased.file, 'r');
      try {
        const { size } = await handle.stat();
        const from = start ?? 0;
        if (start === undefined && size > SEGMENT_MAX_BYTES)
          return failure({ code: 'validation', message: 'The segment file is too large.' });
        if (from >= size && size > 0)
          return failure({
            code: 'validation',
            message: `The range starts past the end of the file (${size} bytes).`,
          });
        // As an HTTP range: a range past the end answers the bytes there are.
        const count = Math.max(0, Math.min(length ?? size, size - from));
        const bytes = new Uint8Array(count);
        let done = 0;
        while (done < count) {
          const { bytesRead } = await handle.read(bytes, done, count - done, from + done);
          if (bytesRead === 0) break;
          done += bytesRead;
        }
        return { ok: true, value: bytes.subarray(0, done) } satisfies Outcome<Uint8Array>;
      } finally {
        await handle.close();
      }
    } catch (error) {
      const apiError =
        (error as NodeJS.ErrnoException).code === 'ENOENT'
          ? { code: 'not_found' as const, message: 'The segment file is gone (deleted by retention?).' }
          : toApiError(error);
      if (apiError.code === 'internal') logger.error({ err: error }, 'segment read failed');
      return failure(apiError);
    } finally {
      leased?.release();
    }
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
      ipcMain.removeHandler(LIVE_OPEN_CHANNEL);
      ipcMain.removeHandler(LIVE_CLOSE_CHANNEL);
      ipcMain.removeHandler(SEGMENT_CHANNEL);
      stopForwarding();
      subscribers.clear();
      for (const streams of liveStreams.values()) for (const close of streams.values()) close();
      liveStreams.clear();
    },
    get subscriberCount() {
      return subscribers.size;
    },
    get liveCount() {
      let count = 0;
      for (const streams of liveStreams.values()) count += streams.size;
      return count;
    },
  };
}
