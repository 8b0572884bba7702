import { describe, expect, it } from 'vitest';
import { RemoteError } from '../../../../common/contract/index.js';
import { makeCamera } from '../../testing.js';
import { addInputOf, EMPTY_FORM, errorsFromRemote, formValuesOf, updateInputOf } from './camera-form.js';

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

  it('sends nothing but the id for an unchanged edit', () => {
    const camera = makeCamera({ subStreamUrl: 'rtsp://192.0.2.1/sub', username: 'u', hasPassword: true });
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
