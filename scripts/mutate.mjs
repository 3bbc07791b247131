#!/usr/bin/env node
/**
 * `npm run mutate [-- <package>…] [stryker options]`: StrykerJS mutation testing of packages/core
 * and packages/engine, each against its own unit tests, one after the other (docs/mutation.md).
 *
 *   npm run mutate                         # core, then engine; incremental
 *   npm run mutate -- core                 # one package
 *   npm run mutate -- core --force         # every mutant again (ignores the incremental file)
 *   npm run mutate -- core --mutate packages/core/src/refund.ts
 *   npm run mutate -- engine --no-check    # without the TypeScript checker (faster, less exact)
 *
 * The packages are built first (Stryker rebuilds its own instrumented copy, but the tests import
 * the other workspace packages through node_modules, i.e. their dist/).
 */
import { spawnSync } from 'node:child_process';

const packages = ['core', 'engine'];
const args = process.argv.slice(2);
const chosen = args.filter((arg) => packages.includes(arg));
const passThrough = args
  .filter((arg) => !packages.includes(arg))
  .flatMap((arg) => (arg === '--no-check' ? ['--checkers', ''] : [arg]));

function run(command, commandArgs) {
  const result = spawnSync(command, commandArgs, { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

const selected = chosen.length > 0 ? chosen : packages;
run(process.execPath, ['node_modules/typescript/bin/tsc', '-b', ...selected.map((name) => `packages/${name}`)]);
for (const name of selected) {
  const started = Date.now();
  run(process.execPath, [
    'node_modules/@stryker-mutator/core/bin/stryker.js',
    'run',
    `stryker/${name}.config.mjs`,
    ...passThrough,
  ]);
  console.log(`# mutation testing of packages/${name}: ${((Date.now() - started) / 60_000).toFixed(1)} min`);
}
