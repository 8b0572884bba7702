import { describe, expect, it, vi } from 'vitest';

// The real 'electron' module cannot load in plain Node (and has no contextBridge outside a renderer), so the
// test stands in for it and checks what index.ts hands to exposeInMainWorld.
const exposed = vi.hoisted(() => [] as Array<[string, unknown]>);
vi.mock('electron', () => ({
  contextBridge: {
    exposeInMainWorld: (key: string, api: unknown) => exposed.push([key, api]),
  },
  ipcRenderer: {
    invoke: () => Promise.resolve({ ok: true, value: null }),
    on: () => undefined,
  },
}));

describe('preload index', () => {
  it('exposes exactly { invoke, subscribe, openLive, segment } as window.omnisight, once', async () => {
    await import('./index.js');
    expect(exposed).toHaveLength(1);
    const [key, api] = exposed[0]!;
    expect(key).toBe('omnisight');
    expect(Object.keys(api as object).sort()).toEqual(['invoke', 'openLive', 'segment', 'subscribe']);
    // Nothing that could reach raw IPC: no ipcRenderer, no send/on, no prototype tricks.
    expect(Object.getPrototypeOf(api)).toBe(Object.prototype);
    expect(JSON.stringify(Object.getOwnPropertyNames(api).sort())).toBe(
      '["invoke","openLive","segment","subscribe"]',
    );
  });
});
