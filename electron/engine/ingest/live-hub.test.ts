import { describe, expect, it } from 'vitest';
import { createFragment, type Fragment, type InitSegment } from './fmp4.js';
import { LiveHub, type LiveViewer } from './live-hub.js';

const INIT: InitSegment = { data: Buffer.from('init'), tracks: [] };

function fragment(name: string, keyframe: boolean): Fragment {
  return createFragment([Buffer.from(name)], { keyframe, startMs: 0, durationMs: 200, videoFrames: 3 });
}

/** Records what it receives as strings; `accept` decides what `send` answers. */
class Viewer implements LiveViewer {
  received: string[] = [];
  accept: (data: string) => boolean = () => true;

  send(data: Buffer, kind: 'init' | 'fragment'): boolean {
    const text = data.toString();
    this.received.push(kind === 'init' ? `init:${text}` : text);
    return this.accept(text);
  }
}

describe('LiveHub', () => {
  it('caches the GOP in its own memory: fragments whose parts are reused later still replay intact', () => {
    const hub = new LiveHub();
    hub.setInit(INIT);
    const scratch = Buffer.alloc(2);
    for (const [name, key] of [
      ['k1', true],
      ['p1', false],
      ['p2', false],
    ] as const) {
      scratch.write(name);
      hub.push(
        createFragment([scratch], { keyframe: key, startMs: 0, durationMs: 200, videoFrames: 3 }, true),
      );
    }
    scratch.write('xx');
    const viewer = new Viewer();
    hub.add(viewer);
    expect(viewer.received).toEqual(['init:init', 'k1', 'p1', 'p2']);
  });

  it('gives a late viewer the init segment and the current GOP from its keyframe, then follows live', () => {
    const hub = new LiveHub();
    hub.setInit(INIT);
    for (const [name, key] of [
      ['k1', true],
      ['p1', false],
      ['k2', true],
      ['p2', false],
      ['p3', false],
    ] as const)
      hub.push(fragment(name, key));
    const viewer = new Viewer();
    hub.add(viewer);
    expect(viewer.received).toEqual(['init:init', 'k2', 'p2', 'p3']);
    hub.push(fragment('p4', false));
    expect(viewer.received.at(-1)).toBe('p4');
    expect(hub.viewerCount).toBe(1);
    expect(hub.dropped).toBe(0);
  });

  it('makes a viewer that joins before the first keyframe wait for one', () => {
    const hub = new LiveHub();
    const early = new Viewer();
    hub.add(early);
    expect(early.received).toEqual([]);
    hub.setInit(INIT);
    hub.push(fragment('p0', false));
    const late = new Viewer();
    hub.add(late);
    hub.push(fragment('p1', false));
    hub.push(fragment('k1', true));
    hub.push(fragment('p2', false));
    expect(early.received).toEqual(['init:init', 'k1', 'p2']);
    expect(late.received).toEqual(['init:init', 'k1', 'p2']);
  });

  it('counts a full viewer as dropped and resumes it at the next keyframe, never slowing the others', () => {
    const hub = new LiveHub();
    hub.setInit(INIT);
    const slow = new Viewer();
    const fast = new Viewer();
    hub.add(slow);
    hub.add(fast);
    // The slow viewer's buffer is full for p1 only.
    slow.accept = (data) => data !== 'p1';
    for (const [name, key] of [
      ['k1', true],
      ['p1', false],
      ['p2', false],
      ['p3', false],
      ['k2', true],
      ['p4', false],
    ] as const)
      hub.push(fragment(name, key));
    expect(hub.dropped).toBe(1);
    expect(slow.received).toEqual(['init:init', 'k1', 'p1', 'k2', 'p4']);
    expect(fast.received).toEqual(['init:init', 'k1', 'p1', 'p2', 'p3', 'k2', 'p4']);
  });

  it('makes a viewer that cannot take the catch-up GOP wait for the next keyframe', () => {
    const hub = new LiveHub();
    hub.setInit(INIT);
    hub.push(fragment('k1', true));
    hub.push(fragment('p1', false));
    const viewer = new Viewer();
    viewer.accept = (data) => data !== 'k1';
    hub.add(viewer);
    viewer.accept = () => true;
    hub.push(fragment('p2', false));
    hub.push(fragment('k2', true));
    expect(viewer.received).toEqual(['init:init', 'k1', 'k2']);
  });

  it('stops sending to a removed viewer', () => {
    const hub = new LiveHub();
    hub.setInit(INIT);
    const viewer = new Viewer();
    const remove = hub.add(viewer);
    hub.push(fragment('k1', true));
    remove();
    hub.push(fragment('p1', false));
    expect(viewer.received).toEqual(['init:init', 'k1']);
    expect(hub.viewerCount).toBe(0);
  });

  it('sends a new init segment to viewers after a restart and holds them until the next keyframe', () => {
    const hub = new LiveHub();
    hub.setInit(INIT);
    const viewer = new Viewer();
    hub.add(viewer);
    hub.push(fragment('k1', true));
    hub.reset();
    expect(hub.initSegment).toBeNull();
    hub.setInit({ data: Buffer.from('init2'), tracks: [] });
    hub.push(fragment('p9', false));
    hub.push(fragment('k9', true));
    expect(viewer.received).toEqual(['init:init', 'k1', 'init:init2', 'k9']);
    // A viewer joining now starts from the new session's GOP.
    const late = new Viewer();
    hub.add(late);
    expect(late.received).toEqual(['init:init2', 'k9']);
  });
});
