/** Messages of the echo worker (`echo-worker.ts`), apart from the entry so importing them starts nothing. */

/** A request to the echo worker. */
export interface Ping {
  type: 'ping';
  n: number;
}

/** The echo worker's answer; `pid` proves which process answered. */
export interface Pong {
  type: 'pong';
  n: number;
  pid: number;
}

export function isPing(message: unknown): message is Ping {
  if (typeof message !== 'object' || message === null) return false;
  const candidate = message as Record<string, unknown>;
  return candidate.type === 'ping' && typeof candidate.n === 'number';
}

export function isPong(message: unknown): message is Pong {
  if (typeof message !== 'object' || message === null) return false;
  const candidate = message as Record<string, unknown>;
  return candidate.type === 'pong' && typeof candidate.n === 'number' && typeof candidate.pid === 'number';
}
