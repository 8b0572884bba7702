import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultDataDir } from './engine/paths.js';
import { DEFAULT_PORT, readServerConfig } from './server.js';

describe('readServerConfig', () => {
  it('defaults to loopback, the default port and the platform data folder', () => {
    const config = readServerConfig({});
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: DEFAULT_PORT,
      dataDir: defaultDataDir(),
      logLevel: 'info',
    });
    expect(config.recordingsDir).toBeUndefined();
  });

  it('reads OMNISIGHT_* variables', () => {
    const config = readServerConfig({
      OMNISIGHT_HOST: '::1',
      OMNISIGHT_PORT: '0',
      OMNISIGHT_DATA_DIR: 'rel/data',
      OMNISIGHT_RECORDINGS_DIR: '/mnt/nvr',
      OMNISIGHT_LOG_LEVEL: 'debug',
    });
    expect(config).toEqual({
      host: '::1',
      port: 0,
      dataDir: path.resolve('rel/data'),
      recordingsDir: '/mnt/nvr',
      logLevel: 'debug',
      allowedHosts: [],
      trustedProxies: [],
      tls: { mode: 'off' },
    });
  });

  it('reads the HTTPS choice: off, self-signed, or both of your own files', () => {
    expect(readServerConfig({ OMNISIGHT_TLS: 'self-signed' }).tls).toEqual({ mode: 'self-signed' });
    expect(readServerConfig({ OMNISIGHT_TLS_CERT: 'c.pem', OMNISIGHT_TLS_KEY: '/k.pem' }).tls).toEqual({
      mode: 'files',
      cert: path.resolve('c.pem'),
      key: '/k.pem',
    });
    expect(() => readServerConfig({ OMNISIGHT_TLS_CERT: 'c.pem' })).toThrow(/go together/);
    expect(() => readServerConfig({ OMNISIGHT_TLS: 'yes' })).toThrow(/not off or self-signed/);
  });

  it.each(['0.0.0.0', '192.168.1.2', '::'])(
    'binds the address %s (the gateway signs everyone in)',
    (host) => {
      expect(readServerConfig({ OMNISIGHT_HOST: host }).host).toBe(host);
    },
  );

  it.each(['example.com', '$(id)', '1.2.3.4 -x'])('refuses a host that is not an address: %s', (host) => {
    expect(() => readServerConfig({ OMNISIGHT_HOST: host })).toThrow(/not an IP address/);
  });

  it('reads allowed host names and trusted proxies, refusing bad ones', () => {
    expect(
      readServerConfig({ OMNISIGHT_ALLOWED_HOSTS: 'nvr.local, nvr', OMNISIGHT_TRUSTED_PROXIES: '10.0.0.1' }),
    ).toMatchObject({ allowedHosts: ['nvr.local', 'nvr'], trustedProxies: ['10.0.0.1'] });
    expect(() => readServerConfig({ OMNISIGHT_ALLOWED_HOSTS: 'a b' })).toThrow(/not a host name/);
    expect(() => readServerConfig({ OMNISIGHT_TRUSTED_PROXIES: 'proxy' })).toThrow(/not an IP address/);
  });

  it.each(['-1', '65536', '80x', '1e3'])('refuses port %s', (port) => {
    expect(() => readServerConfig({ OMNISIGHT_PORT: port })).toThrow(/not a port number/);
  });
});

describe('defaultDataDir', () => {
  it('follows XDG on Linux and the platform convention elsewhere', () => {
    expect(defaultDataDir('linux', {}, '/home/ann')).toBe('/home/ann/.local/share/omnisight');
    expect(defaultDataDir('linux', { XDG_DATA_HOME: '/data' }, '/home/ann')).toBe('/data/omnisight');
    expect(defaultDataDir('linux', { XDG_DATA_HOME: 'relative' }, '/home/ann')).toBe(
      '/home/ann/.local/share/omnisight',
    );
    expect(defaultDataDir('darwin', {}, '/Users/ann')).toBe(
      '/Users/ann/Library/Application Support/OmniSight',
    );
    expect(
      defaultDataDir('win32', { APPDATA: 'C:\\Users\\ann\\AppData\\Roaming' }, 'C:\\Users\\ann'),
    ).toContain('OmniSight');
  });
});
