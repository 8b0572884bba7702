import { describe, expect, it, vi } from 'vitest';
import type { Camera, EventName, EventPayload } from '../../common/contract/index.js';
import type { EngineApi } from '../engine/ports.js';
import { buildApplicationMenu, buildTrayMenu } from './menus.js';
import { summarizeCameras, trackCameraStates, type CameraState } from './tray-status.js';

function camera(id: string, patch: Partial<Camera> = {}): Camera {
  return {
    id,
    name: id,
    rtspUrl: 'rtsp://192.0.2.10/stream',
    subStreamUrl: null,
    username: null,
    hasPassword: false,
    enabled: true,
    segmentSeconds: 60,
    rtspTransport: 'tcp',
    recordMode: 'continuous',
    preRollSeconds: 5,
    postRollSeconds: 5,
    status: 'recording',
    statusReason: null,
    onvif: null,
    onvifLinked: false,
    createdAt: 0,
    updatedAt: 0,
    ...patch,
  };
}

describe('summarizeCameras', () => {
  it.each<[string, CameraState[], string]>([
    ['no cameras', [], 'No cameras'],
    ['all disabled', [{ enabled: false, status: 'disabled' }], 'No camera enabled'],
    ['one recording', [{ enabled: true, status: 'recording' }], 'Recording 1 of 1 camera'],
    [
      'some failing',
      [
        { enabled: true, status: 'recording' },
        { enabled: true, status: 'auth_failed' },
        { enabled: true, status: 'reconnecting' },
        { enabled: false, status: 'error' },
      ],
      'Recording 1 of 3 cameras (2 need attention)',
    ],
    [
      'one failing',
      [
        { enabled: true, status: 'error' },
        { enabled: true, status: 'connecting' },
      ],
      'Recording 0 of 2 cameras (1 needs attention)',
    ],
  ])('%s', (_what, cameras, label) => {
    const summary = summarizeCameras(cameras);
    expect(summary.label).toBe(label);
    expect(summary.tooltip).toBe(`OmniSight: ${label}`);
  });
});

/** An engine with a controllable `cameras.list` and typed event emission. */
function createFakeEngine() {
  const listeners = new Map<EventName, Set<(payload: never) => void>>();
  let resolveList: (value: unknown) => void = () => undefined;
  let rejectList: (error: unknown) => void = () => undefined;
  const engine: Pick<EngineApi, 'call' | 'on'> = {
    call: vi.fn(
      () =>
        new Promise<unknown>((resolve, reject) => {
          resolveList = resolve;
          rejectList = reject;
        }),
    ),
    on(event, listener) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener);
      return () => set.delete(listener);
    },
  };
  function emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
    for (const listener of listeners.get(event) ?? [])
      (listener as (payload: EventPayload<E>) => void)(payload);
  }
  const listenerCount = () => [...listeners.values()].reduce((sum, set) => sum + set.size, 0);
  return {
    engine,
    emit,
    listenerCount,
    resolveList: (v: unknown) => resolveList(v),
    rejectList: (e: unknown) => rejectList(e),
  };
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('trackCameraStates', () => {
  it('seeds from cameras.list and follows events', async () => {
    const fake = createFakeEngine();
    const seen: string[] = [];
    trackCameraStates(
      fake.engine,
      (states) => seen.push(summarizeCameras(states.values()).label),
      () => undefined,
    );
    expect(fake.engine.call).toHaveBeenCalledWith('cameras.list', {});

    fake.resolveList([camera('cam-000000000a'), camera('cam-000000000b', { status: 'connecting' })]);
    await flush();
    expect(seen).toEqual(['Recording 1 of 2 cameras']);

    fake.emit('cameras.statusChanged', {
      id: 'cam-000000000b',
      status: 'recording',
      reason: null,
      nextAttemptAt: null,
    });
    fake.emit('cameras.added', camera('cam-000000000c', { enabled: false, status: 'disabled' }));
    fake.emit('cameras.removed', { id: 'cam-000000000a' });
    expect(seen.slice(1)).toEqual([
      'Recording 2 of 2 cameras',
      'Recording 2 of 2 cameras',
      'Recording 1 of 1 camera',
    ]);
  });

  it('replays events that arrived while the list was in flight', async () => {
    const fake = createFakeEngine();
    let last = '';
    trackCameraStates(
      fake.engine,
      (states) => (last = summarizeCameras(states.values()).label),
      () => undefined,
    );
    fake.emit('cameras.removed', { id: 'cam-000000000a' });
    fake.emit('cameras.added', camera('cam-000000000d'));
    expect(last).toBe('');
    fake.resolveList([camera('cam-000000000a'), camera('cam-000000000b')]);
    await flush();
    expect(last).toBe('Recording 2 of 2 cameras');
  });

  it('reports a failed or malformed list and still follows events', async () => {
    const fake = createFakeEngine();
    const errors: unknown[] = [];
    let last = '';
    trackCameraStates(
      fake.engine,
      (states) => (last = summarizeCameras(states.values()).label),
      (e) => errors.push(e),
    );
    fake.rejectList(new Error('database closed'));
    await flush();
    expect(errors).toHaveLength(1);
    expect(last).toBe('No cameras');
    fake.emit('cameras.added', camera('cam-000000000e'));
    expect(last).toBe('Recording 1 of 1 camera');

    const other = createFakeEngine();
    trackCameraStates(
      other.engine,
      () => undefined,
      (e) => errors.push(e),
    );
    other.resolveList([{ id: 42 }]);
    await flush();
    expect(errors).toHaveLength(2);
  });

  it('stops: unsubscribes and reports nothing more', async () => {
    const fake = createFakeEngine();
    const onChange = vi.fn();
    const stop = trackCameraStates(fake.engine, onChange, () => undefined);
    expect(fake.listenerCount()).toBe(4);
    stop();
    expect(fake.listenerCount()).toBe(0);
    fake.resolveList([camera('cam-000000000a')]);
    await flush();
    expect(onChange).not.toHaveBeenCalled();
  });
});

describe('buildTrayMenu', () => {
  const summary = summarizeCameras([{ enabled: true, status: 'recording' }]);

  it('shows the status, Open, Start at login and Quit', () => {
    const actions = { open: vi.fn(), setOpenAtLogin: vi.fn(), quit: vi.fn() };
    const items = buildTrayMenu({ summary, openAtLogin: false }, actions);
    expect(items.map((item) => item.label ?? item.type)).toEqual([
      'Recording 1 of 1 camera',
      'separator',
      'Open OmniSight',
      'Start at login',
      'separator',
      'Quit OmniSight',
    ]);
    expect(items[0]?.enabled).toBe(false);
    expect(items[3]).toMatchObject({ type: 'checkbox', checked: false });
  });

  it('wires the actions', () => {
    const actions = { open: vi.fn(), setOpenAtLogin: vi.fn(), quit: vi.fn() };
    const items = buildTrayMenu({ summary, openAtLogin: true }, actions);
    const click = (label: string, checked = false) => {
      const item = items.find((candidate) => candidate.label === label);
      // Electron flips a checkbox before it calls click; the fake item carries the new state.
      (item?.click as unknown as (menuItem: { checked: boolean }) => void)({ checked });
    };
    click('Open OmniSight');
    click('Start at login', false);
    click('Quit OmniSight');
    expect(actions.open).toHaveBeenCalledOnce();
    expect(actions.setOpenAtLogin).toHaveBeenCalledWith(false);
    expect(actions.quit).toHaveBeenCalledOnce();
  });

  it('leaves out Start at login where the platform has none', () => {
    const items = buildTrayMenu(
      { summary, openAtLogin: null },
      { open: vi.fn(), setOpenAtLogin: vi.fn(), quit: vi.fn() },
    );
    expect(items.some((item) => item.label === 'Start at login')).toBe(false);
  });
});

describe('buildApplicationMenu', () => {
  it('has no Help menu and no devtools when packaged', () => {
    const menu = buildApplicationMenu('linux', true);
    expect(JSON.stringify(menu)).not.toContain('toggleDevTools');
    expect(menu.some((item) => item.role === 'help')).toBe(false);
    expect(menu.some((item) => item.role === 'appMenu')).toBe(false);
    expect(menu.some((item) => item.role === 'fileMenu')).toBe(true);
  });

  it('adds the app menu on macOS and devtools in development', () => {
    const menu = buildApplicationMenu('darwin', false);
    expect(menu[0]?.role).toBe('appMenu');
    expect(JSON.stringify(menu)).toContain('toggleDevTools');
  });
});
