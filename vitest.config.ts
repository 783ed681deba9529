import { defineConfig } from 'vitest/config';

// Two projects: pure unit tests (no servers) and integration tests against the real
// registries and kube-apiserver that test/env starts once per run.
export default defineConfig({
  test: {
    // `npm run test:unit` measures what the unit tests cover and prints the totals (a number to
    // watch, no threshold).
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts', 'commands/**/*.ts'],
      reporter: ['text-summary'],
    },
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
          // A ceiling, not a measure: the first test to load @kubernetes/client-node compiles it
          // (1-2 s alone, several times that beside the other worker on 2 cores).
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/env/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
