import { describe, expect, it } from 'vitest';
import type { DiscoveredCamera, OnvifProfile } from '../../../../common/contract/index.js';
import {
  describeProfile,
  deviceTitle,
  mergeDevices,
  newScanId,
  parseTargets,
  suggestedName,
  typedDevice,
} from './onvif-wizard.js';
import { ScanId } from '../../../../common/contract/index.js';

const device: DiscoveredCamera = {
  endpoint: 'urn:uuid:1',
  xaddr: 'http://10.0.0.5/onvif/device_service',
  address: '10.0.0.5',
  manufacturer: 'Acme',
  model: 'Dome',
  name: null,
  location: null,
  alreadyAdded: false,
  addedAs: null,
};

describe('onvif wizard helpers', () => {
  it('parses typed addresses and names the first problem', () => {
    expect(parseTargets('')).toEqual({ targets: [] });
    expect(parseTargets('10.0.0.5, 10.0.1.20-40')).toEqual({ targets: ['10.0.0.5', '10.0.1.20-40'] });
    expect(parseTargets('10.0.0.5 camera.local')).toEqual({
      problem: '"camera.local" is not an IP address or range (like 192.168.1.20 or 192.168.1.20-40)',
    });
    expect(parseTargets('10.0.0.0-255 10.0.1.1')).toEqual({
      problem: 'At most 256 addresses per scan (these are 257)',
    });
  });

  it('titles and names devices from what they said, else their address', () => {
    expect(deviceTitle(device)).toBe('Acme Dome');
    expect(deviceTitle({ ...device, manufacturer: null, model: null })).toBe('10.0.0.5');
    expect(suggestedName({ ...device, name: 'Loading Bay' })).toBe('Loading Bay');
    expect(suggestedName(device)).toBe('Dome');
  });

  it('describes profiles', () => {
    const profile: OnvifProfile = {
      token: 'main',
      name: 'Main',
      service: 'media2',
      encoding: 'H265',
      width: 3840,
      height: 2160,
      fps: 20,
      streamUrl: 'rtsp://10.0.0.5/main',
      streamProblem: null,
    };
    expect(describeProfile(profile)).toBe('H.265 3840×2160, 20 fps');
    expect(describeProfile({ ...profile, encoding: null, width: null, fps: null })).toBe('unknown codec');
  });

  it('merges devices by endpoint in arrival order', () => {
    const other = { ...device, endpoint: 'urn:uuid:2' };
    expect(mergeDevices([device], [other, { ...device, alreadyAdded: true }])).toEqual([
      { ...device, alreadyAdded: true },
      other,
    ]);
  });

  it('makes scan ids the engine accepts', () => {
    const id = newScanId();
    expect(ScanId.safeParse(id).success).toBe(true);
    expect(newScanId()).not.toBe(id);
  });
});

describe('typedDevice', () => {
  it('stands for a typed address and is marked added when a saved camera streams from its host', () => {
    const cameras = [
      { name: 'Gate', rtspUrl: 'rtsp://192.168.1.64/Streaming/Channels/101', subStreamUrl: null },
    ];
    const device = typedDevice('http://192.168.1.64/onvif/device_service', cameras);
    expect(device).toMatchObject({
      xaddr: 'http://192.168.1.64/onvif/device_service',
      address: '192.168.1.64',
    });
    expect(device).toMatchObject({ alreadyAdded: true, addedAs: 'Gate' });
    expect(typedDevice('http://192.168.1.65:8000/onvif/device_service', cameras)).toMatchObject({
      address: '192.168.1.65',
      alreadyAdded: false,
      addedAs: null,
    });
  });
});
