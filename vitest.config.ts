import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Labs run real sockets in child processes; a few files at a time keep the 2-core box honest.
    maxWorkers: 2,
    testTimeout: 60_000,
    // The CLI's output is compared as text: no colours, also under CI=true (picocolors' cue).
    env: { NO_COLOR: '1' },
    hookTimeout: 60_000,
  },
});
