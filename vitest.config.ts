import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Every file that starts servers owns its own loopback /24 (test/helpers/test-network.ts)
    // and its own temp folders, so two files run side by side: one per core of a 2-core CI
    // machine. Many files mostly wait (handshakes, timeouts), which this overlaps.
    fileParallelism: true,
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
