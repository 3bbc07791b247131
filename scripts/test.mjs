#!/usr/bin/env node
/**
 * Runs every compiled test file (`dist/**\/*.test.js` of each workspace) with node's test runner.
 * Node 20's `--test` takes no globs, so the files are listed here. Files run in parallel processes
 * (two at once, OPENTILL_TEST_CONCURRENCY below); each PostgreSQL suite works in its own schema.
 *
 * Before starting them, the run decides two things ONCE, so every file sees the same machine:
 * - which PostgreSQL the suites use (packages/testkit `decidePostgres`: the local server if it
 *   answers within a second, else the embedded PGlite server; with CI=true the real server is
 *   required), passed to the test processes as OPENTILL_TEST_POSTGRES;
 * - the browser: the headless Chromium shipped inside the `@sparticuz/chromium` devDependency is
 *   inflated here, once, so parallel test files never race to write it (OPENTILL_CHROMIUM
 *   overrides it with another binary).
 * - Debian's python3-stripe for the seed's Python snippets (packages/testkit `provisionPythonStripe`:
 *   the system's, else unpacked from `apt-get download` into node_modules/.cache).
 * - Debian's haproxy for the cluster tests (packages/testkit `provisionHaproxy`: OPENTILL_HAPROXY,
 *   the system's, else unpacked the same way with its missing shared libraries).
 * The decisions are printed at the start and again in the run's summary.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { decidePostgres, RUN_DECISION_ENV } from '../packages/testkit/dist/postgres.js';

const roots = ['packages', 'apps'];
const files = [];
function walk(dir) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith('.test.js') && path.includes('/dist/')) files.push(path);
  }
}
for (const root of roots)
  for (const pkg of readdirSync(root)) {
    const dist = join(root, pkg, 'dist');
    try {
      if (statSync(dist).isDirectory()) walk(dist);
    } catch {
      /* package not built */
    }
  }
/** One test never runs this long; a hang fails the run instead of holding CI until its own limit. */
const testTimeoutMs = 5 * 60 * 1000;
/**
 * Test files run at once. Node's default is one less than the cores: one file at a time on this
 * 2-core machine, where most e2e files spend their time waiting on child servers, browsers and
 * timers. OPENTILL_TEST_CONCURRENCY overrides it (1 for a one-file-at-a-time run).
 */
const concurrency = Number(process.env.OPENTILL_TEST_CONCURRENCY ?? 2);
if (!Number.isInteger(concurrency) || concurrency < 1) {
  console.error(
    `opentill tests: OPENTILL_TEST_CONCURRENCY must be an integer >= 1, not ${process.env.OPENTILL_TEST_CONCURRENCY}`,
  );
  process.exit(1);
}
const filter = process.argv[2];
const selected = filter ? files.filter((file) => file.includes(filter)) : files;
if (selected.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
let postgres;
try {
  postgres = await decidePostgres();
} catch (error) {
  console.error(`opentill tests: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
const browser = process.env.OPENTILL_CHROMIUM
  ? `Chromium: ${process.env.OPENTILL_CHROMIUM} (OPENTILL_CHROMIUM)`
  : `Chromium: ${await (await import('@sparticuz/chromium')).default.executablePath()} (@sparticuz/chromium)`;
// The seed's Python snippets run through Debian's python3-stripe: provisioned here, once, before
// the parallel test processes (each would otherwise race to unpack it); a failure stops the run.
let python = null;
if (selected.some((file) => file.includes('seed-python'))) {
  const { provisionPythonStripe } = await import('../packages/testkit/dist/python-stripe.js');
  try {
    python = `Python: ${provisionPythonStripe().source}`;
  } catch (error) {
    console.error(`opentill tests: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
// The cluster tests' load balancer, the same way (each cluster test file would otherwise race to unpack it).
let haproxy = null;
if (selected.some((file) => /\/e2e\/cluster/.test(file))) {
  const { provisionHaproxy } = await import('../packages/testkit/dist/haproxy.js');
  try {
    const provisioned = provisionHaproxy();
    haproxy = `haproxy: ${provisioned.version} from ${provisioned.source}`;
  } catch (error) {
    console.error(`opentill tests: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
const decisions = [
  postgres.summary,
  `test files at once: ${concurrency}`,
  browser,
  ...(python ? [python] : []),
  ...(haproxy ? [haproxy] : []),
];
for (const line of decisions) console.log(`# ${line}`);

const started = Date.now();
const result = spawnSync(
  process.execPath,
  [
    '--test',
    '--test-reporter=spec',
    `--test-timeout=${testTimeoutMs}`,
    `--test-concurrency=${concurrency}`,
    // Names the test a file is stuck in before the runner kills it (the runner only names the file).
    '--import',
    fileURLToPath(new URL('./test-watchdog.mjs', import.meta.url)),
    ...selected,
  ],
  {
    stdio: 'inherit',
    env: {
      ...process.env,
      [RUN_DECISION_ENV]: postgres.value,
      OPENTILL_TEST_WATCHDOG_MS: String(testTimeoutMs - 20_000),
    },
  },
);
console.log(`\n# ${selected.length} test files in ${((Date.now() - started) / 1000).toFixed(1)} s`);
for (const line of decisions) console.log(`# ${line}`);
process.exit(result.status ?? 1);
