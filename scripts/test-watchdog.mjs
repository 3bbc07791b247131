/**
 * Loaded into every test file's process by scripts/test.mjs (`--import`). Node 20's runner reports a
 * file that outlives --test-timeout only as "test at <file>:1:1 timed out", naming neither the test
 * that hung nor what it waited on. Shortly before that limit this prints, on stderr (which the spec
 * reporter shows), the tests still running with how long each has run, and the kinds of handles
 * keeping the process alive. It changes no test's outcome.
 */
import { afterEach, beforeEach } from 'node:test';

const limitMs = Number(process.env.OPENTILL_TEST_WATCHDOG_MS ?? 0);
if (limitMs > 0) {
  /** Test context → start time, for every test that has started and not ended. */
  const running = new Map();
  beforeEach((t) => {
    running.set(t, Date.now());
  });
  afterEach((t) => {
    running.delete(t);
  });
  const timer = setTimeout(() => {
    const now = Date.now();
    const tests = [...running].map(([t, started]) => `  - "${t.name}" for ${((now - started) / 1000).toFixed(0)} s`);
    process.stderr.write(
      `watchdog: ${process.argv[1] ?? 'this file'} is still running after ${limitMs / 1000} s\n` +
        (tests.length > 0
          ? `${tests.join('\n')}\n`
          : '  no test is running: a before/after hook or the process exit is stuck\n') +
        `  active handles: ${process.getActiveResourcesInfo().join(', ')}\n`,
    );
  }, limitMs);
  timer.unref();
}
