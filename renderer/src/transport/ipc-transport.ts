import {
  isApiError,
  RemoteError,
  SEGMENT_RANGE_MAX_BYTES,
  type EventName,
  type EventPayload,
  type MethodArgument,
  type MethodName,
  type MethodResult,
  type Outcome,
} from '../../../common/contract/index.js';
import type { ClientTransport } from './client-transport.js';

/** A live stream message from the preload (electron/preload/ipc-channels.ts, `LiveMessage`). */
export type BridgeLiveMessage =
  | { type: 'init'; mime: string; stream: 'main' | 'sub'; data: Uint8Array }
  | { type: 'fragment'; data: Uint8Array }
  | { type: 'close'; reason: string; retry: boolean };

/** What the Electron preload exposes on `window.omnisight` (electron/preload), and nothing more. */
export interface OmnisightBridge {
  invoke(method: string, argument: unknown): Promise<Outcome<unknown>>;
  subscribe(event: string, listener: (payload: unknown) => void): () => void;
  openLive(
    cameraId: string,
    stream: 'main' | 'sub',
    listener: (message: BridgeLiveMessage) => void,
  ): () => void;
  segment(
    cameraId: string,
    segmentId: number,
    range?: { start: number; length: number },
  ): Promise<Outcome<Uint8Array>>;
}

/** Most bytes one ranged read asks the main process for (`SEGMENT_RANGE_MAX_BYTES` of the contract). */
const RANGE_PIECE_BYTES = SEGMENT_RANGE_MAX_BYTES;

declare global {
  interface Window {
    /** Present only when the renderer runs inside the Electron shell. */
    omnisight?: OmnisightBridge;
  }
}

function isOutcome(value: unknown): value is Outcome<unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return candidate.ok === true ? 'value' in candidate : candidate.ok === false && isApiError(candidate.error);
}

/** The transport inside Electron: every call and event crosses the preload bridge as plain data. */
export function createIpcTransport(bridge: OmnisightBridge): ClientTransport {
  return {
    kind: 'ipc',
    async invoke<M extends MethodName>(name: M, argument: MethodArgument<M>): Promise<MethodResult<M>> {
      let outcome: unknown;
      try {
        outcome = await bridge.invoke(name, argument);
      } catch (error) {
        // The bridge itself failed (the main process is gone or the channel is missing), not the method.
        const reason = error instanceof Error ? error.message : String(error);
        throw new RemoteError({
          code: 'unavailable',
          message: `The OmniSight engine did not answer (${reason}).`,
        });
      }
      if (!isOutcome(outcome)) {
        throw new RemoteError({
          code: 'internal',
          message: `The engine sent a malformed answer to ${name}.`,
        });
      }
      if (!outcome.ok) throw new RemoteError(outcome.error);
      // The engine answers with the contract's result types; the renderer trusts the engine it is bundled with.
      return outcome.value as MethodResult<M>;
    },
    subscribe<E extends EventName>(name: E, listener: (payload: EventPayload<E>) => void): () => void {
      return bridge.subscribe(name, (payload) => listener(payload as EventPayload<E>));
    },
    openLive(cameraId, stream, handlers) {
      return bridge.openLive(cameraId, stream, (message) => {
        if (message.type === 'init') handlers.onInit(message.mime, message.data);
        else if (message.type === 'fragment') handlers.onFragment(message.data);
        else handlers.onClose(message.reason, message.retry);
      });
    },
    async fetchSegment(cameraId, segmentId, { range, signal } = {}) {
      const read = async (piece?: { start: number; length: number }): Promise<Uint8Array> => {
        let outcome: unknown;
        try {
          outcome = await bridge.segment(cameraId, segmentId, piece);
        } catch (error) {
          const reason = error instanceof Error ? error.message : String(error);
          throw new RemoteError({
            code: 'unavailable',
            message: `The OmniSight engine did not answer (${reason}).`,
          });
        }
        signal?.throwIfAborted();
        if (!isOutcome(outcome) || (outcome.ok && !(outcome.value instanceof Uint8Array))) {
          throw new RemoteError({ code: 'internal', message: 'The engine sent a malformed segment.' });
        }
        if (!outcome.ok) throw new RemoteError(outcome.error);
        return outcome.value as Uint8Array;
      };
      signal?.throwIfAborted();
      if (range === undefined) {
        // A copy of exactly the file's bytes: the IPC buffer may be a view into a larger one.
        return (await read()).slice().buffer;
      }
      // One read per piece the main process allows; fewer bytes than asked means the end of the file.
      const bytes = new Uint8Array(range.length);
      let done = 0;
      while (done < range.length) {
        const want = Math.min(RANGE_PIECE_BYTES, range.length - done);
        const piece = (await read({ start: range.start + done, length: want })).subarray(0, want);
        bytes.set(piece, done);
        done += piece.length;
        if (piece.length < want) break;
      }
      return done === range.length ? bytes.buffer : bytes.slice(0, done).buffer;
    },
    // IPC to the main process of the same app is connected from the first event on and never drops.
    onResync: () => () => undefined,
  };
}
