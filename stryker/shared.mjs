/**
 * What the Stryker runs of every package share (docs/mutation.md). One config per package
 * (`stryker/<package>.config.mjs`), run by `npm run mutate [-- core|engine]` (scripts/mutate.mjs).
 *
 * Why it is shaped like this (a first whole-core run was estimated at 80 minutes):
 * - each package's mutants run against that package's OWN compiled unit tests only, never the
 *   end-to-end tests (seconds per file, servers, browsers);
 * - the sandbox holds only the package and what its build references: one `tsc -b` per run, not
 *   per mutant (Stryker switches mutants at run time);
 * - `coverageAnalysis: perTest`: the TAP runner counts each test FILE as one test, so a mutant runs
 *   only the files that executed its code (per file, not per test: node's runner has no hook per
 *   test), and stops at the first failing file;
 * - the TypeScript checker stays on: it drops mutants that do not compile instead of counting
 *   them as killed. It is the largest single CPU user (measured in docs/mutation.md), so a quick
 *   look without it is `npm run mutate -- core --no-check`;
 * - incremental: only mutants in changed code, or covered by changed tests, are run again.
 */
export function packageConfig(name, { mutate, references = [] }) {
  return {
    $schema: '../node_modules/@stryker-mutator/core/schema/stryker-schema.json',
    mutate,
    testRunner: 'tap',
    tap: { testFiles: [`packages/${name}/dist/**/*.test.js`] },
    // npx finds tsc in the worktree's node_modules, above the sandbox (.stryker-tmp/sandbox-*).
    buildCommand: `npx tsc -b packages/${name}`,
    checkers: ['typescript'],
    tsconfigFile: `packages/${name}/tsconfig.json`,
    typescriptChecker: { prioritizePerformanceOverAccuracy: true },
    coverageAnalysis: 'perTest',
    incremental: true,
    incrementalFile: `reports/mutation/${name}.incremental.json`,
    // The sandbox: the package's sources (its dist is rebuilt there, instrumented) and the built
    // packages it references, so the build compiles one package.
    ignorePatterns: [
      '/*',
      '!/packages',
      '/packages/*',
      `!/packages/${name}`,
      `/packages/${name}/dist`,
      ...references.map((reference) => `!/packages/${reference}`),
      '!/tsconfig.base.json',
      '!/package.json',
      // core's tap-to-pay tests check docs/tap-to-pay.md against the code.
      '!/docs',
    ],
    // The machine this runs on is shared: one checker and one test runner.
    concurrency: 2,
    timeoutMS: 10_000,
    reporters: ['clear-text', 'progress', 'json', 'html'],
    jsonReporter: { fileName: `reports/mutation/${name}.json` },
    htmlReporter: { fileName: `reports/mutation/${name}.html` },
    tempDirName: '.stryker-tmp',
    cleanTempDir: true,
  };
}
