import { defineConfig } from 'vitest/config';

// Tests import workspace packages through their `@preevy/source` export condition, i.e. from
// src/, so no build is needed to run them; e2e tests run the built binary instead. Tests run in
// Vite's SSR environment, which reads `ssr.resolve.conditions`: without it they silently imported
// the other packages' dist/, a stale build after an edit.
const shared = {
  resolve: { conditions: ['@preevy/source'] },
  ssr: { resolve: { conditions: ['@preevy/source'] } },
};

export default defineConfig({
  test: {
    reporters: ['default', './test/support/tier-summary-reporter.ts'],
    restoreMocks: true,
    unstubEnvs: true,
    projects: [
      {
        ...shared,
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: ['**/*.int.test.ts', '**/*.e2e.test.ts', '**/node_modules/**'],
        },
      },
      {
        ...shared,
        test: {
          name: 'int',
          include: ['packages/*/src/**/*.int.test.ts', 'test/**/*.int.test.ts'],
          exclude: ['**/node_modules/**'],
          globalSetup: ['./test/support/require-infra.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
      {
        ...shared,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.e2e.test.ts'],
          globalSetup: ['./test/support/require-infra.ts', './test/support/require-build.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
