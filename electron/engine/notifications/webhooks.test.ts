import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Logger } from '../ports.js';
import { createWebhookSender, signBody, type WebhookSender } from './webhooks.js';

interface Hit {
  headers: http.IncomingHttpHeaders;
  body: string;
  path: string;
}

let server: http.Server | undefined;
let sender: WebhookSender | undefined;

/** A receiver that answers each request with the next status of `statuses` (the last one repeats). */
async function receiver(statuses: number[], hits: Hit[]): Promise<string> {
  server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      hits.push({ headers: request.headers, body, path: request.url ?? '' });
      const status = statuses[Math.min(hits.length - 1, statuses.length - 1)] ?? 200;
      response.writeHead(status, status === 302 ? { location: 'http://127.0.0.1:1/elsewhere' } : {});
      response.end();
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function logger(lines: string[]): Logger {
  const log: Logger = {
    debug: (fields, message) => lines.push(`${message} ${JSON.stringify(fields)}`),
    info: (fields, message) => lines.push(`${message} ${JSON.stringify(fields)}`),
    warn: (fields, message) => lines.push(`${message} ${JSON.stringify(fields)}`),
    error: (fields, message) => lines.push(`${message} ${JSON.stringify(fields)}`),
    child: () => log,
  };
  return log;
}

async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

afterEach(async () => {
  sender?.close();
  sender = undefined;
  await new Promise((resolve) => (server === undefined ? resolve(undefined) : server.close(resolve)));
  server = undefined;
});

describe('webhook sender', () => {
  it('retries a 5xx and a 429 with backoff, then delivers once, signed, with one delivery id', async () => {
    const hits: Hit[] = [];
    const base = await receiver([503, 429, 200], hits);
    sender = createWebhookSender({
      target: { id: 'wh-00000001', url: `${base}/hook/token-in-path-123`, secret: 'hook-secret-xyz' },
      logger: logger([]),
      userAgent: 'OmniSight/test',
      now: () => 42,
      retryDelaysMs: [20, 40, 80],
    });
    const body = JSON.stringify({ type: 'new', after: { id: '1' } });
    sender.send('new', body);
    await until(() => sender?.status().delivered === 1);
    expect(hits).toHaveLength(3);
    const expected = `sha256=${createHmac('sha256', 'hook-secret-xyz').update(body).digest('hex')}`;
    for (const hit of hits) {
      expect(hit.body).toBe(body);
      expect(hit.path).toBe('/hook/token-in-path-123');
      expect(hit.headers['content-type']).toBe('application/json');
      expect(hit.headers['x-omnisight-event']).toBe('new');
      expect(hit.headers['x-omnisight-signature']).toBe(expected);
      expect(hit.headers['user-agent']).toBe('OmniSight/test');
    }
    expect(new Set(hits.map((hit) => hit.headers['x-omnisight-delivery'])).size).toBe(1);
    expect(sender.status()).toMatchObject({
      delivered: 1,
      failed: 0,
      lastStatus: 200,
      lastError: null,
      lastAt: 42,
    });
    expect(signBody('k', 'x')).toBe(`sha256=${createHmac('sha256', 'k').update('x').digest('hex')}`);
  });

  it('fails a 4xx and a redirect at once, and logs only the origin', async () => {
    const hits: Hit[] = [];
    const lines: string[] = [];
    const base = await receiver([404, 302], hits);
    sender = createWebhookSender({
      target: { id: 'wh-00000002', url: `${base}/api/webhook/ha-secret-id`, secret: null },
      logger: logger(lines),
      userAgent: 'OmniSight/test',
      now: () => 1,
      retryDelaysMs: [20, 20],
    });
    sender.send('new', '{}');
    sender.send('end', '{}');
    await until(() => sender?.status().failed === 2);
    expect(hits).toHaveLength(2);
    expect(hits[0]?.headers['x-omnisight-signature']).toBeUndefined();
    expect(sender.status()).toMatchObject({ delivered: 0, failed: 2, lastStatus: 302 });
    expect(sender.status().lastError).toMatch(/redirects are not followed/);
    expect(lines.join('\n')).toContain(base);
    expect(lines.join('\n')).not.toContain('ha-secret-id');
  });

  it('gives up after the last retry when nothing listens, and keeps a bounded queue', async () => {
    const lines: string[] = [];
    sender = createWebhookSender({
      target: { id: 'wh-00000003', url: 'http://127.0.0.1:1/never', secret: null },
      logger: logger(lines),
      userAgent: 'OmniSight/test',
      now: () => 1,
      retryDelaysMs: [10, 10],
    });
    for (let index = 0; index < 150; index += 1) sender.send('new', `{"n":${index}}`);
    // The first is in flight; of the 149 waiting, the queue keeps the newest 100.
    expect(sender.status()).toMatchObject({ queued: 100, dropped: 49 });
    await until(() => (sender?.status().failed ?? 0) >= 1);
    expect(sender.status().lastError).toMatch(/cannot connect/);
    expect(lines[0]).toMatch(/tries":3/);
    expect(sender.status().queued).toBeLessThan(100);
    sender.close();
    expect(sender.status().queued).toBe(0);
  });
});
