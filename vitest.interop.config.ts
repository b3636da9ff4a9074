import { defineConfig } from 'vitest/config';

/** `npm run test:interop`: tests against the reference Python `nir` and `libsonata` packages (a venv made by .ci/run); not part of `npm test`. */
export default defineConfig({
  test: {
    include: ['test/interop/**/*.interop.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
