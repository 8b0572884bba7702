import { describe, expect, it } from 'vitest';
import { CAMERA_TEMPLATES, onvifDeviceUrl, templateHostProblem, templateUrls } from './camera-templates.js';
import { streamUrlProblem } from './contract/index.js';

const template = (id: string) => {
  const found = CAMERA_TEMPLATES.find((entry) => entry.id === id);
  if (found === undefined) throw new Error(`no template ${id}`);
  return found;
};

describe('camera templates', () => {
  it('builds the documented Hikvision paths for a channel, leaving the default port out', () => {
    expect(templateUrls(template('hikvision'), { host: '192.168.1.64' })).toEqual({
      rtspUrl: 'rtsp://192.168.1.64/Streaming/Channels/101',
      subStreamUrl: 'rtsp://192.168.1.64/Streaming/Channels/102',
    });
    expect(templateUrls(template('hikvision'), { host: 'nvr.local', port: 8554, channel: 3 }).rtspUrl).toBe(
      'rtsp://nvr.local:8554/Streaming/Channels/301',
    );
  });

  it('keeps query strings (Dahua) and zero-padded channels (Reolink)', () => {
    expect(templateUrls(template('dahua'), { host: '10.0.0.7', channel: 2 }).subStreamUrl).toBe(
      'rtsp://10.0.0.7/cam/realmonitor?channel=2&subtype=1',
    );
    expect(templateUrls(template('reolink'), { host: '10.0.0.8' }).rtspUrl).toBe(
      'rtsp://10.0.0.8/h264Preview_01_main',
    );
  });

  it('gives every make URLs the contract accepts, with distinct main and sub', () => {
    for (const entry of CAMERA_TEMPLATES) {
      const urls = templateUrls(entry, { host: '[fe80::1]', port: 10554, channel: 2 });
      expect(streamUrlProblem(urls.rtspUrl), entry.id).toBeNull();
      if (urls.subStreamUrl !== null) {
        expect(streamUrlProblem(urls.subStreamUrl), entry.id).toBeNull();
        expect(urls.subStreamUrl).not.toBe(urls.rtspUrl);
      }
    }
    expect(new Set(CAMERA_TEMPLATES.map((entry) => entry.id)).size).toBe(CAMERA_TEMPLATES.length);
  });

  it('refuses a host that would smuggle in user info, a path or a scheme', () => {
    for (const host of ['', 'admin:pw@cam', 'cam/evil', 'rtsp://cam', 'cam name', 'cam?x=1', '-cam']) {
      expect(templateHostProblem(host), host).not.toBeNull();
      expect(() => templateUrls(template('axis'), { host })).toThrow(RangeError);
    }
    expect(templateHostProblem(' cam-1.example.org ')).toBeNull();
  });

  it('refuses ports and channels out of range', () => {
    expect(() => templateUrls(template('tapo'), { host: 'cam', port: 0 })).toThrow(/port/);
    expect(() => templateUrls(template('tapo'), { host: 'cam', port: 65536 })).toThrow(/port/);
    expect(() => templateUrls(template('tapo'), { host: 'cam', channel: 0 })).toThrow(/channel/);
    expect(() => templateUrls(template('tapo'), { host: 'cam', channel: 1.5 })).toThrow(/channel/);
  });
});

describe('onvifDeviceUrl', () => {
  it('makes the fixed ONVIF device service URL of a host and port', () => {
    expect(onvifDeviceUrl({ host: '192.168.1.64' })).toBe('http://192.168.1.64/onvif/device_service');
    expect(onvifDeviceUrl({ host: ' cam.local ', port: 8000 })).toBe(
      'http://cam.local:8000/onvif/device_service',
    );
    expect(onvifDeviceUrl({ host: '[fe80::1]', port: 80 })).toBe('http://[fe80::1]/onvif/device_service');
  });

  it('refuses hosts that could add a path or user info, and bad ports', () => {
    expect(() => onvifDeviceUrl({ host: 'admin@10.0.0.5' })).toThrow(/host must be a host name/);
    expect(() => onvifDeviceUrl({ host: '10.0.0.5/x' })).toThrow(/host must be a host name/);
    expect(() => onvifDeviceUrl({ host: '10.0.0.5', port: 0 })).toThrow(/port must be 1 to 65535/);
  });
});
