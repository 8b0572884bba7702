import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { connectToHost, NotAWorkerError, type ParentPortLike, type RuntimeProcess } from './runtime.js';

/** A process under utilityProcess: `parentPort` delivers MessageEvent-like `{ data }`. */
function utilityProcessLike() {
  const port = new EventEmitter();
  const posted: unknown[] = [];
  const parentPort: ParentPortLike = {
    postMessage: (message) => posted.push(message),
    on: (event, listener) => port.on(event, listener),
    off: (event, listener) => port.off(event, listener),
  };
  const emitter = new EventEmitter();
  const current: RuntimeProcess = {
    parentPort,
    on: (event: string, listener: (message?: unknown) => void) => emitter.on(event, listener),
    off: (event, listener) => emitter.off(event, listener),
    exit: vi.fn(),
  };
  return { current, port, posted };
}

/** A process under child_process.fork: `send` and 'message' events on the process itself. */
function forkedProcessLike() {
  const emitter = new EventEmitter();
  const sent: unknown[] = [];
  const exit = vi.fn();
  const current: RuntimeProcess = {
    send: (message) => {
      sent.push(message);
      return true;
    },
    on: (event: string, listener: (message?: unknown) => void) => emitter.on(event, listener),
    off: (event, listener) => emitter.off(event, listener),
    exit,
  };
  return { current, emitter, sent, exit };
}

describe('connectToHost', () => {
  it('uses parentPort under utilityProcess and unwraps MessageEvents', () => {
    const { current, port, posted } = utilityProcessLike();
    const host = connectToHost(current);
    const received: unknown[] = [];
    const unsubscribe = host.onMessage((message) => received.push(message));
    port.emit('message', { data: { type: 'ping', n: 1 } });
    host.postMessage({ type: 'pong', n: 1 });
    unsubscribe();
    port.emit('message', { data: { type: 'ping', n: 2 } });
    expect(received).toEqual([{ type: 'ping', n: 1 }]);
    expect(posted).toEqual([{ type: 'pong', n: 1 }]);
  });

  it('uses process.send and process messages under fork', () => {
    const { current, emitter, sent } = forkedProcessLike();
    const host = connectToHost(current);
    const received: unknown[] = [];
    const unsubscribe = host.onMessage((message) => received.push(message));
    emitter.emit('message', { type: 'ping', n: 1 });
    host.postMessage({ type: 'pong', n: 1 });
    unsubscribe();
    emitter.emit('message', { type: 'ping', n: 2 });
    expect(received).toEqual([{ type: 'ping', n: 1 }]);
    expect(sent).toEqual([{ type: 'pong', n: 1 }]);
  });

  it('leaves when the forking engine disconnects', () => {
    const { current, emitter, exit } = forkedProcessLike();
    connectToHost(current);
    emitter.emit('disconnect');
    expect(exit).toHaveBeenCalledWith(0);
  });

  it('refuses to run without a host', () => {
    const emitter = new EventEmitter();
    const alone: RuntimeProcess = {
      on: (event: string, listener: (message?: unknown) => void) => emitter.on(event, listener),
      off: (event, listener) => emitter.off(event, listener),
      exit: vi.fn(),
    };
    expect(() => connectToHost(alone)).toThrow(NotAWorkerError);
  });
});
