/**
 * One webhook: event messages POSTed as JSON, one at a time, in order, from a bounded queue (oldest dropped
 * first, counted). A network error, a timeout, 408, 429 or a 5xx is retried after 1, 2, 4 and 8 s; other
 * answers (redirects included: they are not followed) fail at once. With a secret the body is signed
 * (`X-OmniSight-Signature: sha256=<hex HMAC-SHA256 of the body>`, like GitHub's). Logs name only the URL's
 * origin: a path may hold a token (Home Assistant's webhook ids are secrets).
 */
import { createHmac, randomUUID } from 'node:crypto';
import type { Logger } from '../ports.js';

export const WEBHOOK_QUEUE_MAX = 100;
export const WEBHOOK_RETRY_DELAYS_MS = [1000, 2000, 4000, 8000];

export interface WebhookTarget {
  id: string;
  url: string;
  secret: string | null;
}

export interface WebhookStatus {
  id: string;
  delivered: number;
  failed: number;
  queued: number;
  dropped: number;
  lastStatus: number | null;
  lastError: string | null;
  lastAt: number | null;
}

export interface WebhookSenderOptions {
  target: WebhookTarget;
  logger: Logger;
  userAgent: string;
  now: () => number;
  retryDelaysMs?: readonly number[];
  timeoutMs?: number;
}

export interface WebhookSender {
  send(kind: string, body: string): void;
  status(): WebhookStatus;
  /** Drops the queue and aborts the delivery in flight. */
  close(): void;
}

/** A webhook that has sent nothing yet. */
export function emptyWebhookStatus(id: string): WebhookStatus {
  return {
    id,
    delivered: 0,
    failed: 0,
    queued: 0,
    dropped: 0,
    lastStatus: null,
    lastError: null,
    lastAt: null,
  };
}

export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

function retryable(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

export function createWebhookSender(options: WebhookSenderOptions): WebhookSender {
  const { target, logger, now } = options;
  const origin = new URL(target.url).origin;
  const delays = options.retryDelaysMs ?? WEBHOOK_RETRY_DELAYS_MS;
  const timeoutMs = options.timeoutMs ?? 5000;
  const queue: { kind: string; body: string }[] = [];
  const stats = emptyWebhookStatus(target.id);
  const abort = new AbortController();
  let running = false;
  // A field, not a `let`: it changes while a delivery awaits, where the checker would narrow a `let`.
  const life = { closed: false };

  const wait = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      abort.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      });
    });

  /** One try: the HTTP status, or an error message when no answer came. */
  async function attempt(kind: string, body: string, delivery: string): Promise<number | string> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': options.userAgent,
      'x-omnisight-event': kind,
      'x-omnisight-delivery': delivery,
    };
    if (target.secret !== null) headers['x-omnisight-signature'] = signBody(target.secret, body);
    try {
      const response = await fetch(target.url, {
        method: 'POST',
        headers,
        body,
        redirect: 'manual',
        signal: AbortSignal.any([abort.signal, AbortSignal.timeout(timeoutMs)]),
      });
      await response.body?.cancel().catch(() => undefined);
      return response.status;
    } catch (error) {
      const name = (error as { name?: unknown }).name;
      if (name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
      const cause = (error as { cause?: { code?: unknown } }).cause;
      return typeof cause?.code === 'string' ? `cannot connect (${cause.code})` : 'cannot connect';
    }
  }

  async function deliver(kind: string, body: string): Promise<void> {
    const delivery = randomUUID();
    for (let tryIndex = 0; ; tryIndex += 1) {
      const outcome = await attempt(kind, body, delivery);
      if (life.closed) return;
      stats.lastAt = now();
      if (typeof outcome === 'number' && outcome >= 200 && outcome < 300) {
        stats.delivered += 1;
        stats.lastStatus = outcome;
        stats.lastError = null;
        return;
      }
      stats.lastStatus = typeof outcome === 'number' ? outcome : null;
      const problem =
        typeof outcome === 'string'
          ? outcome
          : outcome >= 300 && outcome < 400
            ? `answered ${outcome} (redirects are not followed)`
            : `answered ${outcome}`;
      stats.lastError = problem;
      const again = (typeof outcome === 'string' || retryable(outcome)) && tryIndex < delays.length;
      if (!again) {
        stats.failed += 1;
        logger.warn(
          { component: 'notifications', webhook: target.id, origin, tries: tryIndex + 1 },
          `Webhook ${origin} failed: ${problem}`,
        );
        return;
      }
      // A close during the wait aborts the next try, which then returns above.
      await wait(delays[tryIndex] ?? 1000);
    }
  }

  async function run(): Promise<void> {
    running = true;
    try {
      for (let next = queue.shift(); next !== undefined && !life.closed; next = queue.shift()) {
        stats.queued = queue.length;
        await deliver(next.kind, next.body);
      }
    } finally {
      running = false;
      stats.queued = queue.length;
    }
  }

  return {
    send(kind, body) {
      if (life.closed) return;
      queue.push({ kind, body });
      while (queue.length > WEBHOOK_QUEUE_MAX) {
        queue.shift();
        stats.dropped += 1;
      }
      stats.queued = queue.length;
      if (!running) void run();
    },
    status: () => ({ ...stats }),
    close() {
      life.closed = true;
      queue.length = 0;
      stats.queued = 0;
      abort.abort();
    },
  };
}
