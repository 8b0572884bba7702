/**
 * Every IPC channel between the preload and the shell, with its payloads. The main side is
 * `electron/shell/ipc-bridge.ts`, the renderer side `electron/preload/bridge.ts`; nothing else uses IPC.
 */
import type { Outcome } from '../../common/contract/index.js';

/** `ipcRenderer.invoke(INVOKE, InvokeRequest)` answers an `Outcome` (never rejects for a method error). */
export const INVOKE_CHANNEL = 'omnisight:invoke';
/** `ipcRenderer.invoke(SUBSCRIBE, SubscribeRequest)` answers an `Outcome<null>`. */
export const SUBSCRIBE_CHANNEL = 'omnisight:subscribe';
/** Main to renderer: `webContents.send(EVENT, name, payload)` for each event the page subscribed to. */
export const EVENT_CHANNEL = 'omnisight:event';

/** `ipcRenderer.invoke(LIVE_OPEN, LiveOpenRequest)` answers an `Outcome<null>`; media follows on `LIVE`. */
export const LIVE_OPEN_CHANNEL = 'omnisight:live-open';
/** `ipcRenderer.invoke(LIVE_CLOSE, { id })`: the page stops watching; nothing more arrives for that id. */
export const LIVE_CLOSE_CHANNEL = 'omnisight:live-close';
/** Main to renderer: `webContents.send(LIVE, id, LiveMessage)`. */
export const LIVE_CHANNEL = 'omnisight:live';
/**
 * `ipcRenderer.invoke(SEGMENT, SegmentRequest)` answers an `Outcome<Uint8Array>` with the file's bytes, or those
 * of `[start, start + length)` (fewer at the end of the file). The main side checks the request with the
 * contract's `SegmentBytesRequest` and leases the segment while it reads.
 */
export const SEGMENT_CHANNEL = 'omnisight:segment';

/** Opens a live stream; the page picks the id (unique within the page), so no message can beat the answer. */
export interface LiveOpenRequest {
  id: number;
  cameraId: string;
  stream: 'main' | 'sub';
}

export type LiveMessage =
  | { type: 'init'; mime: string; stream: 'main' | 'sub'; data: Uint8Array }
  | { type: 'fragment'; data: Uint8Array }
  | { type: 'close'; reason: string; retry: boolean };

export interface SegmentRequest {
  cameraId: string;
  segmentId: number;
  /** A byte range (both or neither; at most `SEGMENT_RANGE_MAX_BYTES`); absent: the whole file. */
  start?: number;
  length?: number;
}

/** A byte range of a segment file: `length` bytes from `start`. */
export interface SegmentRange {
  start: number;
  length: number;
}

/** One contract call. */
export interface InvokeRequest {
  method: string;
  argument: unknown;
}

/**
 * The complete set of events the page listens to; each request replaces the previous one, so messages that
 * cross in flight cannot leave a stale subscription behind.
 */
export interface SubscribeRequest {
  events: string[];
}

/**
 * What the preload exposes as `window.omnisight`, and nothing more. The renderer's IPC transport
 * (`renderer/src/transport/ipc-transport.ts`) declares the same shape.
 */
export interface OmniSightBridge {
  invoke(method: string, argument: unknown): Promise<Outcome<unknown>>;
  subscribe(event: string, listener: (payload: unknown) => void): () => void;
  /** Live fMP4 of one camera; returns the close function. */
  openLive(cameraId: string, stream: 'main' | 'sub', listener: (message: LiveMessage) => void): () => void;
  /** The bytes of one recorded segment file, or of one range of it. */
  segment(cameraId: string, segmentId: number, range?: SegmentRange): Promise<Outcome<Uint8Array>>;
}
