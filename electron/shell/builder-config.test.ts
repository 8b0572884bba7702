import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// js-yaml and app-builder-lib come with electron-builder (a devDependency); using them here checks the file the
// way `electron-builder` itself reads and validates it, without a second YAML parser in package.json.
const require = createRequire(import.meta.url);
const yaml = require('js-yaml') as { load(text: string): unknown };
const { validateSchema } = require('app-builder-lib/out/util/config/schemaValidator.js') as {
  validateSchema: (schema: unknown, data: unknown, config?: { name?: string }) => void;
};
const schema: unknown = require('app-builder-lib/scheme.json');

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

interface BuilderConfig {
  appId?: string;
  productName?: string;
  files?: string[];
  extraResources?: Array<{ from: string; to: string }>;
  asarUnpack?: string[];
  electronFuses?: Record<string, boolean>;
  linux?: { target?: string[] };
  win?: { target?: string[] };
  mac?: { target?: string[] };
}

function loadConfig(): BuilderConfig {
  return yaml.load(fs.readFileSync(path.join(ROOT, 'electron-builder.yml'), 'utf8')) as BuilderConfig;
}

describe('electron-builder.yml', () => {
  it("is a valid configuration by electron-builder's own schema", () => {
    expect(() => validateSchema(schema, loadConfig(), { name: 'electron-builder' })).not.toThrow();
  });

  it('names the app', () => {
    expect(loadConfig()).toMatchObject({ appId: 'org.omnisight.app', productName: 'OmniSight' });
  });

  it('flips the security fuses', () => {
    expect(loadConfig().electronFuses).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('ships only built output, with migrations and resources beside the asar', () => {
    const config = loadConfig();
    expect(config.files?.filter((pattern) => !pattern.startsWith('!'))).toEqual(['out/**', 'package.json']);
    expect(config.extraResources).toEqual([
      { from: 'drizzle', to: 'drizzle' },
      { from: 'resources', to: 'resources' },
    ]);
  });

  it('unpacks native modules and the ffmpeg binary from the asar', () => {
    expect(loadConfig().asarUnpack).toEqual([
      '**/*.node',
      'node_modules/better-sqlite3/**',
      'node_modules/ffmpeg-static/**',
    ]);
  });

  it('builds AppImage and deb, an NSIS installer and a dmg', () => {
    const config = loadConfig();
    expect(config.linux?.target).toEqual(['AppImage', 'deb']);
    expect(config.win?.target).toEqual(['nsis']);
    expect(config.mac?.target).toEqual(['dmg']);
  });

  it('points package.json main at the bundled shell', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      main?: string;
    };
    expect(manifest.main).toBe('out/shell/main.cjs');
  });

  it('ships the tray icon the shell loads', () => {
    const icon = fs.readFileSync(path.join(ROOT, 'resources', 'icons', 'tray.png'));
    expect(icon.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  });
});
