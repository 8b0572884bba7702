import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { forwardOutput, MAX_OUTPUT_LINE, workerEnvironment, type OutputStream } from './worker-output.js';

function fakeStream() {
  const emitter = new EventEmitter();
  return { stream: emitter as unknown as OutputStream, emitter };
}

describe('forwardOutput', () => {
  it('emits whole lines, joining chunks and multi-byte characters split across them', () => {
    const { stream, emitter } = fakeStream();
    const lines: string[] = [];
    forwardOutput(stream, (line) => lines.push(line));
    const text = Buffer.from('first\r\nsecond caf\u00e9\nthir');
    emitter.emit('data', text.subarray(0, 18));
    emitter.emit('data', text.subarray(18));
    emitter.emit('data', 'd\n\n');
    emitter.emit('data', 'tail');
    emitter.emit('end');
    expect(lines).toEqual(['first', 'second caf\u00e9', 'third', 'tail']);
  });

  it('cuts a line that never ends', () => {
    const { stream, emitter } = fakeStream();
    const lines: string[] = [];
    forwardOutput(stream, (line) => lines.push(line));
    emitter.emit('data', 'x'.repeat(MAX_OUTPUT_LINE + 10));
    expect(lines).toHaveLength(1);
    expect(lines[0]?.endsWith(' [cut]')).toBe(true);
  });
});

describe('workerEnvironment', () => {
  it('inherits defined variables and adds the caller’s', () => {
    expect(workerEnvironment({ PATH: '/bin', UNSET: undefined }, { OMNISIGHT_MODEL: 'yolo' })).toEqual({
      PATH: '/bin',
      OMNISIGHT_MODEL: 'yolo',
    });
  });
});
