import type { Transport } from '../../../common/contract/index.js';

/** Which of a camera's streams a live viewer wants: grid tiles take `sub` when the camera has one. */
export type LiveStreamKind = 'main' | 'sub';

/** What a live stream tells its viewer. Buffers are the viewer's own (never reused by the transport). */
export interface LiveHandlers {
  /**
   * The stream (re)starts: its MSE type with codecs (`video/mp4; codecs="avc1.42c01f,mp4a.40.2"`) and the init
   * segment. Fragments from the latest keyframe on follow. Sent again when the camera's ingest restarts.
   */
  onInit(mime: string, init: Uint8Array): void;
  /** One fMP4 fragment (`moof` + `mdat`), at most about 200 ms of media. */
  onFragment(data: Uint8Array): void;
  /**
   * The stream ended or could not open (unknown camera, no such stream, connection lost); `retry` says whether
   * opening it again later can help. No calls follow.
   */
  onClose(reason: string, retry: boolean): void;
}

/** `length` bytes of a file from byte `start`. */
export interface ByteRange {
  start: number;
  length: number;
}

export interface FetchSegmentOptions {
  /** Only these bytes (an HTTP range request, or a ranged read over IPC); default the whole file. */
  range?: ByteRange;
  signal?: AbortSignal;
}

/**
 * A `Transport` as the renderer uses it: the contract's `invoke` and `subscribe`, plus what a UI needs to know
 * about the connection itself and the two media channels that are not contract calls (bytes, not JSON).
 */
export interface ClientTransport extends Transport {
  /** How the renderer reaches the engine; shown in the shell. */
  readonly kind: 'ipc' | 'http' | 'fake';
  /**
   * Calls `listener` each time the event stream (re)connects. Events pushed while it was not connected are lost,
   * so state kept in sync by events must be reloaded then. Returns the unsubscribe function.
   */
  onResync(listener: () => void): () => void;
  /**
   * Opens a live fMP4 stream of one camera (a WebSocket in a browser, IPC in Electron). Returns the function that
   * closes it; after that no handler is called.
   */
  openLive(cameraId: string, stream: LiveStreamKind, handlers: LiveHandlers): () => void;
  /**
   * The bytes of one recorded segment file (`recordings.segments` lists them), or of one range of it
   * (`recordings.fragments` says where its parts are); fewer than asked only at the end of the file. Rejects
   * with a `RemoteError`.
   */
  fetchSegment(cameraId: string, segmentId: number, options?: FetchSegmentOptions): Promise<ArrayBuffer>;
}
