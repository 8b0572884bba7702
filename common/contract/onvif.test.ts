import { describe, expect, it } from 'vitest';
import { xaddrProblem } from './cameras.js';
import { OnvifDiscoverInput, discoveryTargetSize, splitDiscoveryTargets } from './onvif.js';

describe('discovery targets', () => {
  it('counts addresses, ranges and ports', () => {
    expect(discoveryTargetSize('192.168.1.20')).toEqual({ count: 1 });
    expect(discoveryTargetSize('192.168.1.20:3702')).toEqual({ count: 1 });
    expect(discoveryTargetSize('192.168.1.20-40')).toEqual({ count: 21 });
    expect(discoveryTargetSize('10.0.0.0-255:3702')).toEqual({ count: 256 });
    expect(discoveryTargetSize('fe80::1')).toEqual({ count: 1 });
  });

  it('refuses what is not an address, with the text it refused', () => {
    for (const bad of [
      'camera.local',
      '192.168.1.256',
      '10.0.0.40-20',
      '10.0.0.1-300',
      '10.0.0.1:0',
      '1.2.3.4:70000',
      '$(id)',
      '',
    ]) {
      expect(discoveryTargetSize(bad), bad).toHaveProperty('problem');
    }
    expect(discoveryTargetSize('10.0.0.40-20')).toEqual({
      problem: '"10.0.0.40-20": the range must go up (like 192.168.1.20-40)',
    });
  });

  it('splits typed text on commas, spaces and new lines', () => {
    expect(splitDiscoveryTargets(' 10.0.0.5, 10.0.0.20-40\n10.0.1.9 ;')).toEqual([
      '10.0.0.5',
      '10.0.0.20-40',
      '10.0.1.9',
    ]);
  });

  it('caps a scan at 256 addresses in all', () => {
    expect(OnvifDiscoverInput.safeParse({ scanId: 'scan-0001', unicast: ['10.0.0.0-255'] }).success).toBe(
      true,
    );
    const tooMany = OnvifDiscoverInput.safeParse({
      scanId: 'scan-0001',
      unicast: ['10.0.0.0-255', '10.0.1.1'],
    });
    expect(tooMany.success).toBe(false);
    expect(tooMany.error?.issues[0]?.message).toBe('must stand for at most 256 addresses in all (got 257)');
  });
});

describe('xaddrProblem', () => {
  it('accepts http(s) device URLs and refuses other schemes, user info and junk', () => {
    expect(xaddrProblem('http://10.0.0.5/onvif/device_service')).toBeNull();
    expect(xaddrProblem('https://[fe80::1]:8443/onvif/device_service')).toBeNull();
    expect(xaddrProblem('file:///etc/passwd')).toBe('must start with http:// or https://');
    expect(xaddrProblem('http://admin:x@10.0.0.5/')).toBe(
      'must not contain a user name or password (use the fields)',
    );
    expect(xaddrProblem('http://10.0.0.5/ x')).toBe('must not contain spaces or control characters');
    expect(xaddrProblem('')).toBe('must not be empty');
  });
});
