/**
 * Fans one stream's fMP4 fragments out to live viewers. Keeps the init segment and the fragments since the
 * last keyframe, so a new viewer starts at once from the latest keyframe. A viewer that cannot keep up loses
 * fragments up to the next keyframe (counted); it never slows the stream down.
 */
import type { Fragment, InitSegment } from './fmp4.js';

export interface LiveViewer {
  /** Called with the init segment, then with fragments; return false when the viewer's buffer is full. */
  send(data: Buffer, kind: 'init' | 'fragment'): boolean;
}

export class LiveHub {
  private init: InitSegment | null = null;
  private gop: Fragment[] = [];
  private readonly viewers = new Map<LiveViewer, { waitingForKeyframe: boolean }>();
  dropped = 0;

  get viewerCount(): number {
    return this.viewers.size;
  }

  get initSegment(): InitSegment | null {
    return this.init;
  }

  setInit(init: InitSegment): void {
    this.init = init;
    this.gop = [];
    for (const [viewer, state] of this.viewers) {
      viewer.send(init.data, 'init');
      state.waitingForKeyframe = true;
    }
  }

  push(fragment: Fragment): void {
    if (fragment.keyframe) this.gop = [fragment];
    else if (this.gop.length > 0) this.gop.push(fragment);
    for (const [viewer, state] of this.viewers) {
      if (state.waitingForKeyframe && !fragment.keyframe) continue;
      state.waitingForKeyframe = false;
      if (!viewer.send(fragment.data, 'fragment')) {
        this.dropped += 1;
        state.waitingForKeyframe = true;
      }
    }
  }

  /** Adds a viewer: it gets the init segment and the current GOP at once. Returns the removal function. */
  add(viewer: LiveViewer): () => void {
    const state = { waitingForKeyframe: true };
    this.viewers.set(viewer, state);
    if (this.init !== null) {
      viewer.send(this.init.data, 'init');
      let ok = true;
      for (const fragment of this.gop) ok = ok && viewer.send(fragment.data, 'fragment');
      state.waitingForKeyframe = this.gop.length === 0 || !ok;
    }
    return () => this.viewers.delete(viewer);
  }

  reset(): void {
    this.init = null;
    this.gop = [];
  }
}
