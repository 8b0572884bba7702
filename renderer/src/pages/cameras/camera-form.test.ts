import { describe, expect, it } from 'vitest';
import { RemoteError } from '../../../../common/contract/index.js';
import { makeCamera } from '../../testing.js';
import {
  addInputOf,
  describeProbe,
  EMPTY_FORM,
  errorsFromRemote,
  formValuesOf,
  parseSeconds,
  probeInputOf,
  updateInputOf,
  validateProbe,
  validateUpdate,
} from './camera-form.js';
import { nextDemoCamera } from './demo-camera.js';

describe('camera form', () => {
  it('leaves out empty optional fields when adding', () => {
    expect(
      addInputOf({ ...EMPTY_FORM, name: 'Gate', rtspUrl: ' rtsp://192.0.2.1/a ', subStreamUrl: '  ' }),
    ).toEqual({
      name: 'Gate',
      rtspUrl: 'rtsp://192.0.2.1/a',
      enabled: true,
    });
  });

  it('leaves out the default segment length and transport, and sends others', () => {
    const base = { ...EMPTY_FORM, name: 'Gate', rtspUrl: 'rtsp://192.0.2.1/a' };
    expect(addInputOf(base)).not.toHaveProperty('segmentSeconds');
    expect(addInputOf(base)).not.toHaveProperty('rtspTransport');
    expect(addInputOf({ ...base, segmentSeconds: '300', rtspTransport: 'udp' })).toMatchObject({
      segmentSeconds: 300,
      rtspTransport: 'udp',
    });
  });

  it('sends a recording mode and rolls only when not the defaults, and only changes when editing', () => {
    const base = { ...EMPTY_FORM, name: 'Gate', rtspUrl: 'rtsp://192.0.2.1/a' };
    for (const key of ['recordMode', 'preRollSeconds', 'postRollSeconds']) {
      expect(addInputOf(base)).not.toHaveProperty(key);
    }
    expect(addInputOf({ ...base, recordMode: 'events', preRollSeconds: '10' })).toMatchObject({
      recordMode: 'events',
      preRollSeconds: 10,
    });
    expect(addInputOf({ ...base, recordMode: 'events' })).not.toHaveProperty('postRollSeconds');
    const camera = makeCamera({ recordMode: 'motion', preRollSeconds: 3, postRollSeconds: 20 });
    expect(updateInputOf(camera, formValuesOf(camera))).toEqual({ id: camera.id });
    expect(
      updateInputOf(camera, { ...formValuesOf(camera), recordMode: 'continuous', postRollSeconds: '4' }),
    ).toEqual({ id: camera.id, recordMode: 'continuous', postRollSeconds: 4 });
    expect(validateUpdate(updateInputOf(camera, { ...formValuesOf(camera), preRollSeconds: '301' }))).toEqual(
      {
        preRollSeconds: 'Pre-roll must be at most 300 seconds',
      },
    );
    expect(validateUpdate(updateInputOf(camera, { ...formValuesOf(camera), postRollSeconds: '' }))).toEqual({
      postRollSeconds: 'Post-roll must be a number of seconds',
    });
  });

  it('reads typed seconds strictly: anything but a plain number is NaN for the schema to refuse', () => {
    expect(parseSeconds(' 60 ')).toBe(60);
    expect(parseSeconds('2.5')).toBe(2.5);
    expect(parseSeconds('-3')).toBe(-3);
    for (const text of ['', ' ', '1e2', '0x10', '12s', 'Infinity']) expect(parseSeconds(text)).toBeNaN();
  });

  it('sends nothing but the id for an unchanged edit', () => {
    const camera = makeCamera({
      subStreamUrl: 'rtsp://192.0.2.1/sub',
      username: 'u',
      hasPassword: true,
      segmentSeconds: 15,
      rtspTransport: 'udp',
    });
    expect(updateInputOf(camera, formValuesOf(camera))).toEqual({ id: camera.id });
  });

  it('sets a new password unless clearing it', () => {
    const camera = makeCamera({ hasPassword: true });
    const values = { ...formValuesOf(camera), password: 'new' };
    expect(updateInputOf(camera, values)).toEqual({ id: camera.id, password: 'new' });
    expect(updateInputOf(camera, { ...values, clearPassword: true })).toEqual({
      id: camera.id,
      password: null,
    });
  });

  it('places remote errors by field, and falls back to the form', () => {
    const validation = new RemoteError({
      code: 'validation',
      message: 'Invalid',
      details: {
        issues: [{ path: 'rtspUrl', message: 'is bad' }, { path: '(argument)', message: 'odd' }, 7],
      },
    });
    expect(errorsFromRemote(validation)).toEqual({ rtspUrl: 'RTSP URL is bad', form: 'odd' });
    expect(errorsFromRemote(new RemoteError({ code: 'validation', message: 'Invalid' }))).toEqual({
      form: 'Invalid',
    });
    const conflict = new RemoteError({ code: 'conflict', message: 'Taken.', details: { field: 'name' } });
    expect(errorsFromRemote(conflict)).toEqual({ name: 'Taken.' });
    const prefixed = new RemoteError({
      code: 'conflict',
      message: 'rtspUrl: camera "Gate" already uses this stream URL',
      details: { field: 'rtspUrl' },
    });
    expect(errorsFromRemote(prefixed)).toEqual({ rtspUrl: 'Camera "Gate" already uses this stream URL' });
    const unknownField = new RemoteError({
      code: 'conflict',
      message: 'Taken.',
      details: { field: 'colour' },
    });
    expect(errorsFromRemote(unknownField)).toEqual({ form: 'Taken.' });
    expect(errorsFromRemote(new RemoteError({ code: 'unavailable', message: 'Down.' }))).toEqual({
      form: 'Down.',
    });
  });
});

describe('demo camera', () => {
  it('starts with “Demo camera” on demo:test-pattern', () => {
    expect(nextDemoCamera([])).toEqual({ name: 'Demo camera', rtspUrl: 'demo:test-pattern' });
  });

  it('takes the first free name and the first free URL, each on its own', () => {
    expect(
      nextDemoCamera([
        { name: 'demo camera', rtspUrl: 'demo:test-pattern-2' },
        { name: 'Demo camera 2', rtspUrl: 'demo:test-pattern' },
        { name: 'Demo camera 4', rtspUrl: 'demo:test-pattern-3' },
      ]),
    ).toEqual({ name: 'Demo camera 3', rtspUrl: 'demo:test-pattern-4' });
  });
});

describe('connection test helpers', () => {
  it('sends only the stream fields, as typed, and checks them without a name', () => {
    const values = {
      ...EMPTY_FORM,
      rtspUrl: ' rtsp://cam/101 ',
      subStreamUrl: 'rtsp://cam/102',
      username: 'admin',
      password: 'pw',
      rtspTransport: 'udp' as const,
    };
    expect(probeInputOf(values)).toEqual({
      rtspUrl: 'rtsp://cam/101',
      subStreamUrl: 'rtsp://cam/102',
      username: 'admin',
      password: 'pw',
      rtspTransport: 'udp',
    });
    expect(validateProbe(probeInputOf(values))).toEqual({});
    expect(validateProbe(probeInputOf({ ...EMPTY_FORM, rtspUrl: 'http://cam/x' })).rtspUrl).toContain(
      'must start with rtsp://',
    );
  });

  it('describes a probed stream in one line, and a failure by its message', () => {
    expect(
      describeProbe({
        ok: true,
        video: {
          codec: 'hevc',
          profile: 'Main',
          width: 3840,
          height: 2160,
          fps: 20,
          keyframeIntervalSeconds: null,
          keyframesSeen: 1,
          probedSeconds: 5.9,
        },
        audio: { codec: 'pcm_alaw', sampleRate: 8000, channels: 1 },
      }),
    ).toBe('H.265 (Main), 3840×2160, 20 fps, keyframe interval over 5 s; audio G.711 A-law 8 kHz mono');
    expect(
      describeProbe({ ok: false, failure: 'timeout', message: 'The camera did not answer in time' }),
    ).toBe('The camera did not answer in time');
  });
});
