#!/usr/bin/env node
/**
 * The suite under CPU pressure, as issue 17's "done" asks: the test command run N times in a row
 * with K busy loops (`node -e 'for(;;){}'`) beside it, stopping at the first failure.
 *
 *   npm run stress                                   # `npm test` 10 times, 2 busy loops
 *   npm run stress -- --runs 3 --busy 4              # other counts
 *   npm run stress -- --runs 5 -- node --test --test-concurrency=1 apps/opentill/dist/e2e/concurrency.test.js
 *
 * Everything after a bare `--` is the command (default `npm test`, the README's). Each run's output
 * goes to the terminal and to a log file; the summary at the end lists every run (exit code, seconds,
 * load average when it ended) and, for a failed run, the tests the node runner marked failed and
 * the path of its log. The busy loops are this script's children and are killed when it ends,
 * also on Ctrl-C. Exit code: 0 when every run passed, 1 otherwise.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const separator = process.argv.indexOf('--', 2);
const ownArgs = separator === -1 ? process.argv.slice(2) : process.argv.slice(2, separator);
const command = separator === -1 ? ['npm', 'test'] : process.argv.slice(separator + 1);
const { values } = parseArgs({
  args: ownArgs,
  options: { runs: { type: 'string', default: '10' }, busy: { type: 'string', default: '2' } },
});
const runs = count(values.runs, 'runs', 1);
const busy = count(values.busy, 'busy', 0);
if (command.length === 0) usage('no command after --');

function count(text, name, min) {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) usage(`--${name} must be an integer >= ${min}, not ${text}`);
  return value;
}
function usage(message) {
  console.error(`stress: ${message}\nusage: node scripts/stress.mjs [--runs N] [--busy K] [-- command ...]`);
  process.exit(2);
}

const loops = Array.from({ length: busy }, () => spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' }));
let current = null;
function stopAll() {
  for (const loop of loops) if (loop.exitCode === null && loop.signalCode === null) loop.kill('SIGKILL');
}
process.on('exit', stopAll);
for (const signal of ['SIGINT', 'SIGTERM'])
  process.on(signal, () => {
    current?.kill(signal);
    stopAll();
    process.exit(130);
  });

const logDir = mkdtempSync(join(tmpdir(), 'opentill-stress-'));
const header = `${command.join(' ')} × ${runs} with ${busy} busy loop${busy === 1 ? '' : 's'} (logs in ${logDir})`;
console.log(`# stress: ${header}`);

/** Runs the command once, its output to the terminal and to `log`; resolves its exit code and the failed tests. */
function runOnce(log) {
  return new Promise((resolve) => {
    const file = createWriteStream(log);
    const failed = [];
    let pending = '';
    const child = spawn(command[0], command.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    current = child;
    const forward = (target) => (chunk) => {
      target.write(chunk);
      file.write(chunk);
      // node's spec reporter marks a failed test (or suite) with ✖ at the start of its line.
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (/^\s*✖ /.test(line) && !failed.includes(line.trim())) failed.push(line.trim());
    };
    child.stdout.on('data', forward(process.stdout));
    child.stderr.on('data', forward(process.stderr));
    child.on('error', (error) => {
      file.write(`stress: ${error.message}\n`);
      file.end(() => resolve({ code: 127, failed: [`cannot start ${command[0]}: ${error.message}`] }));
    });
    child.on('close', (code, signal) => {
      current = null;
      file.end(() => resolve({ code: code ?? (signal ? 128 : 1), failed }));
    });
  });
}

const results = [];
for (let run = 1; run <= runs; run += 1) {
  console.log(`\n# stress: run ${run} of ${runs}`);
  const log = join(logDir, `run-${run}.log`);
  const started = Date.now();
  const { code, failed } = await runOnce(log);
  results.push({ run, code, seconds: (Date.now() - started) / 1000, load: loadavg()[0], failed, log });
  if (code !== 0) break;
}
stopAll();

console.log(`\n# stress summary: ${header}`);
for (const { run, code, seconds, load, failed, log } of results) {
  console.log(
    `#   run ${run}: ${code === 0 ? 'passed' : `FAILED (exit ${code})`} in ${seconds.toFixed(1)} s, load ${load.toFixed(2)}`,
  );
  if (code !== 0) {
    for (const line of failed.slice(0, 30)) console.log(`#     ${line}`);
    if (failed.length > 30) console.log(`#     … ${failed.length - 30} more`);
    console.log(`#     log: ${log}`);
  }
}
const passed = results.filter((result) => result.code === 0).length;
console.log(
  passed === runs
    ? `# stress: ${runs} of ${runs} runs passed in a row`
    : `# stress: stopped at run ${results.length} after ${passed} passing run${passed === 1 ? '' : 's'}`,
);
process.exit(passed === runs ? 0 : 1);
