// @ts-check
/** Mutation testing of packages/core against core's own unit tests (docs/mutation.md). */
import { packageConfig } from './shared.mjs';

export default {
  ...packageConfig('core', {
    mutate: ['packages/core/src/**/*.ts', '!packages/core/src/**/*.test.ts', '!packages/core/src/**/index.ts'],
  }),
  thresholds: { high: 90, low: 85, break: null },
};
