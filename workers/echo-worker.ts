/**
 * The smallest real worker: answers `{ type: 'ping', n }` with `{ type: 'pong', n, pid }`. The engine can use it
 * to check that workers start at all (a health probe for the worker host), and the integration tests fork it.
 */
import { isPing, type Pong } from './echo-protocol.js';
import { connectToHost } from './runtime.js';

const host = connectToHost();
host.onMessage((message) => {
  if (!isPing(message)) return;
  const pong: Pong = { type: 'pong', n: message.n, pid: process.pid };
  host.postMessage(pong);
});
