// @ts-check
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// Which folder may import what (design.md, "Rules that keep it easy to change"). Only electron/shell and
// electron/preload may import 'electron'; the renderer never imports engine code and the engine never imports
// renderer code; common/ stays pure.
const electronOnlyInShell = {
  paths: [{ name: 'electron', message: "Only electron/shell and electron/preload may import 'electron'." }],
  patterns: [
    { group: ['electron/*'], message: "Only electron/shell and electron/preload may import 'electron'." },
  ],
};
const noRenderer = {
  group: ['**/renderer/**'],
  message: 'Engine and shell code never import renderer code.',
};
const noEngine = {
  group: ['**/electron/**', '**/workers/**', 'node:*'],
  message: 'The renderer talks to the engine only through a Transport; it never imports engine or Node code.',
};

export default tseslint.config(
  { ignores: ['node_modules/', 'out/', 'dist/', 'drizzle/', 'coverage/', 'test-results/'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-confusing-void-expression': 'off',
      'no-restricted-imports': [
        'error',
        { ...electronOnlyInShell, patterns: [...electronOnlyInShell.patterns, noRenderer] },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: globals.node },
  },
  {
    files: ['electron/shell/**', 'electron/preload/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [noRenderer] }] },
  },
  {
    files: ['renderer/**'],
    plugins: { 'react-hooks': reactHooks },
    languageOptions: { globals: globals.browser },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': [
        'error',
        { ...electronOnlyInShell, patterns: [...electronOnlyInShell.patterns, noEngine] },
      ],
    },
  },
  {
    files: ['common/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          ...electronOnlyInShell,
          patterns: [
            ...electronOnlyInShell.patterns,
            noRenderer,
            {
              group: ['**/electron/**', 'node:*'],
              message: 'common/ is pure TypeScript shared by all; it imports nothing environment-specific.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.test.ts', '**/*.test.tsx', 'test/**', 'bench/**'],
    // Tests read JSON answers and poke at them; typing every response would hide what is asserted.
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
    },
  },
);
