import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // End-to-end files each start their own sshd fleet on fixed loopback addresses: keep
    // files sequential so two fleets never race for the same address; tests are fast anyway.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
