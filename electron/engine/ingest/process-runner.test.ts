import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { nodeProcessRunner, type StdoutReader } from './process-runner.js';

/** A reader that reads into one reused buffer and hands each chunk to `onChunk`. */
function chunkReader(onChunk: (chunk: Buffer) => void): StdoutReader & { buffers: Set<Buffer> } {
  const buffer = Buffer.alloc(100_000);
  const buffers = new Set<Buffer>();
  return {
    buffers,
    readBuffer: () => {
      buffers.add(buffer);
      return buffer;
    },
    written: (bytes) => onChunk(buffer.subarray(0, bytes)),
  };
}

describe('nodeProcessRunner', () => {
  it('passes every byte a child writes to stdout to its reader, in order, before stdoutDone resolves', async () => {
    // 5 MB from a child that writes in odd sizes and exits at once: nothing may be lost at the end.
    const script = `
      const crypto = require('node:crypto');
      let seed = Buffer.from('omnisight');
      let left = 5 * 1024 * 1024;
      while (left > 0) {
        seed = crypto.createHash('sha256').update(seed).digest();
        const size = Math.min(left, 1 + (seed.readUInt16BE(0) % 70000));
        const block = Buffer.alloc(size, seed[2]);
        require('node:fs').writeSync(1, block);
        left -= size;
      }`;
    const hash = crypto.createHash('sha256');
    let bytes = 0;
    const stdout = chunkReader((chunk) => {
      hash.update(chunk);
      bytes += chunk.length;
    });
    const child = await nodeProcessRunner.start(process.execPath, ['-e', script], { stdout });
    expect(child.pid).toBeGreaterThan(0);
    const { code } = await child.exited;
    await child.stdoutDone;
    expect(code).toBe(0);
    expect(bytes).toBe(5 * 1024 * 1024);
    const expected = crypto.createHash('sha256');
    let seed = Buffer.from('omnisight');
    let left = 5 * 1024 * 1024;
    while (left > 0) {
      seed = crypto.createHash('sha256').update(seed).digest();
      const size = Math.min(left, 1 + (seed.readUInt16BE(0) % 70000));
      expected.update(Buffer.alloc(size, seed[2]));
      left -= size;
    }
    expect(hash.digest('hex')).toBe(expected.digest('hex'));
    // Reads landed in the reader's own buffer.
    expect(stdout.buffers.size).toBe(1);
  });

  it('stops a child that ignores its stdout with SIGTERM, and reports a command that does not exist', async () => {
    const child = await nodeProcessRunner.start(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {
      stdout: chunkReader(() => undefined),
    });
    await child.stop(2000);
    expect((await child.exited).signal).toBe('SIGTERM');
    await child.stdoutDone;

    const missing = await nodeProcessRunner.start('/nonexistent/ffmpeg', [], {
      stdout: chunkReader(() => undefined),
    });
    expect(await missing.exited).toEqual({ code: null, signal: null });
    await missing.stdoutDone;
  });
});
