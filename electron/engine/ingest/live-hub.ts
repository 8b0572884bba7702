/**
 * Fans one stream's fMP4 fragments out to live viewers. Keeps the init segment and the fragments since the
 * last keyframe, so a new viewer starts at once from the latest keyframe. A viewer that cannot keep up loses
 * fragments up to the next keyframe (counted); it never slows the stream down.
 *
 * Nobody watching is the common case, so it is the cheap one: a fragment becomes a buffer of its own only
 * when there is a viewer to send it to, and the current GOP comes from a `GopSource` (the fMP4 reader keeps
 * it in its buffer anyway) when one is set. Without a source the hub copies each GOP into one buffer of its
 * own, reused from keyframe to keyframe.
 */
import type { Fragment, InitSegment } from './fmp4.js';

export interface LiveViewer {
  /** Called with the init segment, then with fragments; return false when the viewer's buffer is full. */
  send(data: Buffer, kind: 'init' | 'fragment'): boolean;
}

/** A GOP larger than this (a camera sending keyframes minutes apart) is not cached; viewers wait instead. */
const MAX_GOP_BYTES = 32 * 1024 * 1024;

/** Copies of the fragments since the last keyframe, first the keyframe's. */
export type GopSource = () => Buffer[];

export class LiveHub {
  private init: InitSegment | null = null;
  private gopSource: GopSource | null = null;
  private gop: Buffer = Buffer.alloc(0);
  /** End offset in `gop` of each cached fragment; empty when no GOP is cached. */
  private gopEnds: number[] = [];
  private gopBytes = 0;
  private readonly viewers = new Map<LiveViewer, { waitingForKeyframe: boolean }>();
  dropped = 0;

  get viewerCount(): number {
    return this.viewers.size;
  }

  get initSegment(): InitSegment | null {
    return this.init;
  }

  /** Where the current GOP comes from; null makes the hub keep it itself. */
  setGopSource(source: GopSource | null): void {
    this.gopSource = source;
    this.clearGop();
  }

  setInit(init: InitSegment): void {
    this.init = init;
    this.clearGop();
    for (const [viewer, state] of this.viewers) {
      viewer.send(init.data, 'init');
      state.waitingForKeyframe = true;
    }
  }

  /** Takes a fragment; its `parts` may be reused memory (only read during this call). */
  push(fragment: Fragment): void {
    if (this.gopSource === null) this.cache(fragment);
    if (this.viewers.size === 0) return;
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
      const gop = this.gopSource?.() ?? this.cachedGop();
      let ok = true;
      for (const fragment of gop) ok = ok && viewer.send(fragment, 'fragment');
      state.waitingForKeyframe = gop.length === 0 || !ok;
    }
    return () => this.viewers.delete(viewer);
  }

  reset(): void {
    this.init = null;
    this.clearGop();
  }

  private cachedGop(): Buffer[] {
    let start = 0;
    return this.gopEnds.map((end) => {
      const copy = Buffer.from(this.gop.subarray(start, end));
      start = end;
      return copy;
    });
  }

  private clearGop(): void {
    this.gopEnds = [];
    this.gopBytes = 0;
  }

  private cache(fragment: Fragment): void {
    if (fragment.keyframe) this.clearGop();
    else if (this.gopEnds.length === 0) return;
    const needed = this.gopBytes + fragment.byteLength;
    if (needed > MAX_GOP_BYTES) {
      this.clearGop();
      return;
    }
    if (needed > this.gop.length) {
      let size = Math.max(this.gop.length, 256 * 1024);
      while (size < needed) size *= 2;
      const grown = Buffer.allocUnsafe(size);
      this.gop.copy(grown, 0, 0, this.gopBytes);
      this.gop = grown;
    }
    for (const part of fragment.parts) {
      part.copy(this.gop, this.gopBytes);
      this.gopBytes += part.length;
    }
    this.gopEnds.push(this.gopBytes);
  }
}
