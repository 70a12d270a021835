import { defineConfig } from 'vitest/config';

/**
 * `npm run soak`: the reliability runs at full size (chaos convergence, load), against the Worker under
 * `wrangler dev`. Not part of `npm test`, which runs the same files' small sizes through the node project.
 * Sizes and seeds come from the environment (SOAK_SEED, …); every run prints how to replay it.
 */
export default defineConfig({
  test: {
    name: 'soak',
    include: ['test/soak/**/*.soak.test.ts'],
    environment: 'node',
    reporters: ['default'],
    testTimeout: 1_800_000,
    hookTimeout: 120_000,
    // One heavy run at a time: they share two cores and each starts its own Worker.
    fileParallelism: false,
  },
});
