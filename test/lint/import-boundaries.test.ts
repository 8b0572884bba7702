/**
 * The folder tells what code may touch (style.md): only electron/shell and electron/preload import 'electron',
 * the renderer never imports engine or Node code, the engine never imports the renderer, common/ stays pure.
 * These run the project's real ESLint config on probe sources placed in each folder.
 */
import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..', '..');

// Only the import rule: type-aware rules need the probe files to exist in a tsconfig, which they do not.
const eslint = new ESLint({
  cwd: root,
  ruleFilter: ({ ruleId }) => ruleId === 'no-restricted-imports',
  overrideConfig: { languageOptions: { parserOptions: { projectService: false, project: null } } },
});

async function restrictedImports(file: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath: path.join(root, file) });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('import boundaries', () => {
  it.each([
    'electron/engine/probe.ts',
    'electron/server.ts',
    'common/probe.ts',
    'renderer/src/probe.ts',
    'workers/probe.ts',
  ])("refuses 'electron' in %s", async (file) => {
    const messages = await restrictedImports(
      file,
      "import { app } from 'electron';\nexport const x = app;\n",
    );
    expect(messages.join('\n')).toContain("Only electron/shell and electron/preload may import 'electron'");
  });

  it.each(['electron/shell/probe.ts', 'electron/preload/probe.ts'])(
    "allows 'electron' in %s",
    async (file) => {
      expect(
        await restrictedImports(file, "import { app } from 'electron';\nexport const x = app;\n"),
      ).toEqual([]);
    },
  );

  it('keeps the renderer away from engine and Node code', async () => {
    const messages = await restrictedImports(
      'renderer/src/probe.ts',
      "import { createEngine } from '../../electron/engine/index.js';\nimport fs from 'node:fs';\nexport const x = [createEngine, fs];\n",
    );
    expect(messages).toHaveLength(2);
  });

  it('keeps the engine away from the renderer, and common/ pure', async () => {
    expect(
      await restrictedImports(
        'electron/engine/probe.ts',
        "import { App } from '../../renderer/src/App.js';\nexport const x = App;\n",
      ),
    ).toHaveLength(1);
    expect(
      await restrictedImports('common/probe.ts', "import fs from 'node:fs';\nexport const x = fs;\n"),
    ).toHaveLength(1);
  });
});
