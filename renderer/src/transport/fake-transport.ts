import {
  methods,
  parseArgument,
  RemoteError,
  toApiError,
  type EventName,
  type EventPayload,
  type MethodArgument,
  type MethodInput,
  type MethodName,
  type MethodResult,
} from '../../../common/contract/index.js';
import type { ClientTransport, LiveHandlers, LiveStreamKind } from './client-transport.js';

/** A handler per method, as in the engine, but it may answer synchronously. */
export type FakeHandlers = {
  [M in MethodName]: (input: MethodInput<M>) => MethodResult<M> | Promise<MethodResult<M>>;
};

/** One `invoke` the fake received, as the caller passed it (before validation). */
export interface FakeCall {
  method: MethodName;
  argument: unknown;
}

export interface FakeTransport extends ClientTransport {
  /** Every `invoke`, in order, including rejected ones. */
  readonly calls: FakeCall[];
  /** The calls of one method. */
  callsTo<M extends MethodName>(method: M): MethodArgument<M>[];
  /** Pushes an event to every subscriber, as the engine would. */
  emit<E extends EventName>(event: E, payload: EventPayload<E>): void;
  /** Tells resync listeners the event stream reconnected. */
  resync(): void;
  listenerCount(event: EventName): number;
  /** Live streams opened and not yet closed, newest last; a test drives them through `handlers`. */
  readonly liveStreams: FakeLiveStream[];
}

/** One `openLive` of the fake transport. */
export interface FakeLiveStream {
  cameraId: string;
  stream: LiveStreamKind;
  handlers: LiveHandlers;
}

/** Media the fake transport serves: segment bytes by `<cameraId>/<segmentId>`. */
export interface FakeMedia {
  segments?: Map<string, ArrayBuffer>;
}

/**
 * A transport backed by a handler map, for renderer tests (like Actual Budget's `initServer(Partial<Handlers>)`).
 * It behaves as the real boundary does: arguments are validated with the contract's schemas (a `validation`
 * error carries `details.issues`), anything a handler throws reaches the caller as a `RemoteError` built from
 * plain `ApiError` data, and a method without a handler answers `unsupported`.
 */
export function createFakeTransport(
  handlers: Partial<FakeHandlers> = {},
  media: FakeMedia = {},
): FakeTransport {
  const liveStreams: FakeLiveStream[] = [];
  const listeners = new Map<EventName, Set<(payload: unknown) => void>>();
  const resyncListeners = new Set<() => void>();
  const calls: FakeCall[] = [];

  async function call(method: MethodName, argument: unknown): Promise<unknown> {
    const input: unknown = parseArgument(methods[method].input, argument, `argument for ${method}`);
    const handler = handlers[method] as ((input: unknown) => unknown) | undefined;
    if (handler === undefined) {
      throw new RemoteError({
        code: 'unsupported',
        message: `The fake transport has no handler for ${method}.`,
      });
    }
    return await handler(input);
  }

  return {
    kind: 'fake',
    calls,
    async invoke<M extends MethodName>(name: M, argument: MethodArgument<M>): Promise<MethodResult<M>> {
      calls.push({ method: name, argument });
      try {
        return (await call(name, argument)) as MethodResult<M>;
      } catch (error) {
        // Only data crosses a real transport, so a thrown class never reaches the caller as itself.
        throw new RemoteError(toApiError(error));
      }
    },
    subscribe<E extends EventName>(name: E, listener: (payload: EventPayload<E>) => void): () => void {
      const wrapped = (payload: unknown): void => listener(payload as EventPayload<E>);
      let set = listeners.get(name);
      if (set === undefined) {
        set = new Set();
        listeners.set(name, set);
      }
      set.add(wrapped);
      return () => {
        listeners.get(name)?.delete(wrapped);
      };
    },
    onResync(listener: () => void): () => void {
      resyncListeners.add(listener);
      return () => {
        resyncListeners.delete(listener);
      };
    },
    liveStreams,
    openLive(cameraId, stream, liveHandlers) {
      const entry: FakeLiveStream = { cameraId, stream, handlers: liveHandlers };
      liveStreams.push(entry);
      return () => {
        const index = liveStreams.indexOf(entry);
        if (index >= 0) liveStreams.splice(index, 1);
      };
    },
    fetchSegment(cameraId, segmentId, { range } = {}) {
      const bytes = media.segments?.get(`${cameraId}/${segmentId}`);
      if (bytes === undefined) {
        return Promise.reject(
          new RemoteError({ code: 'not_found', message: `No segment ${segmentId} of ${cameraId}.` }),
        );
      }
      return Promise.resolve(
        range === undefined ? bytes.slice(0) : bytes.slice(range.start, range.start + range.length),
      );
    },
    callsTo<M extends MethodName>(method: M): MethodArgument<M>[] {
      return calls
        .filter((entry) => entry.method === method)
        .map((entry) => entry.argument as MethodArgument<M>);
    },
    emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
      for (const listener of [...(listeners.get(event) ?? [])]) listener(payload);
    },
    resync(): void {
      for (const listener of [...resyncListeners]) listener();
    },
    listenerCount(event: EventName): number {
      return listeners.get(event)?.size ?? 0;
    },
  };
}
