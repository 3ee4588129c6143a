import { defineConfig } from 'vitest/config';

/** The domain core: pure code that unit and differential tests cover without services. */
const CORE = [
  'programme',
  'dictionary',
  'reference',
  'returns',
  'reading',
  'template',
  'validation',
  'feedback',
  'aggregation',
  'publication',
  'summaries',
  'xlsx',
  'demo',
];

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores here: more workers only contend.
    maxWorkers: 2,
    // The AWS SDK warns on Node 20 that future releases need 22; this project pins versions that run on 20.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    coverage: {
      provider: 'v8',
      include: CORE.map((folder) => `functions/src/${folder}/**/*.ts`),
      reporter: ['text-summary'],
      // Just under what the unit and differential tests cover today (measured 1 December 2026:
      // lines 91.4%, statements 89.3%, functions 91.8%, branches 75.2%): a drop fails `npm run coverage`.
      thresholds: { lines: 93, statements: 91, functions: 93, branches: 78 },
    },
  },
});
