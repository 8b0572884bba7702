import { defineConfig } from 'vitest/config';

// Three projects so a run shows which layer failed. `npm test` builds first: the browser tests drive the
// built renderer served by the built headless server, exactly what users run.
export default defineConfig({
  test: {
    reporters: ['default', './scripts/summary-reporter.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            'common/**/*.test.ts',
            'electron/**/*.test.ts',
            'workers/**/*.test.ts',
            'scripts/**/*.test.ts',
          ],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'renderer',
          include: ['renderer/**/*.test.ts', 'renderer/**/*.test.tsx'],
          environment: 'jsdom',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // Browser and server tests spawn processes; two cores do not gain from running them all at once.
          fileParallelism: false,
        },
      },
    ],
  },
});
