/**
 * The deterministic simulation in the suite: `OPENTILL_SIM_SEEDS` seeds (default 1,000) from
 * `OPENTILL_SIM_FIRST` (default 1), or exactly `OPENTILL_SIM_SEED`. A failing seed prints its
 * number, its violations and the end of its trace; `OPENTILL_SIM_SEED=<n>` replays it exactly.
 * Seeds run in batches of 100, one test each, so the runner's per-test timeout bounds a batch,
 * never the whole run.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { runSeed, type SeedResult } from './simulate.js';

const env = process.env;
const single = env['OPENTILL_SIM_SEED'];
const first = single !== undefined ? Number(single) : Number(env['OPENTILL_SIM_FIRST'] ?? 1);
const count = single !== undefined ? 1 : Number(env['OPENTILL_SIM_SEEDS'] ?? 1_000);
const traceLines = Number(env['OPENTILL_SIM_TRACE_LINES'] ?? 60);
const batchSize = 100;

function report(result: SeedResult): string {
  const trace = single !== undefined ? result.trace : result.trace.slice(-traceLines);
  return [
    `seed ${result.seed} failed (replay: OPENTILL_SIM_SEED=${result.seed} npm run simulate)`,
    ...result.violations.map((line) => `  ✗ ${line}`),
    `  trace (${trace.length} of ${result.trace.length} lines):`,
    ...trace.map((line) => `    ${line}`),
  ].join('\n');
}

test('a seed replays exactly: same answers, same webhooks, same verdict', async () => {
  const a = await runSeed(first, { keepTrace: true });
  const b = await runSeed(first, { keepTrace: true });
  assert.deepEqual(b.trace, a.trace);
  assert.equal(b.digest, a.digest);
  assert.deepEqual(b.violations, a.violations);
  assert.ok(a.requests > 0);
});

const totals = { seeds: 0, failed: [] as number[], requests: 0, crashes: 0, restarts: 0, webhooks: 0, nanoseconds: 0n };

for (let start = first; start < first + count; start += batchSize) {
  const end = Math.min(start + batchSize, first + count);
  test(`simulation: seeds ${start}–${end - 1}`, async (t) => {
    const failed: SeedResult[] = [];
    const started = process.hrtime.bigint();
    for (let seed = start; seed < end; seed += 1) {
      const result = await runSeed(seed, { keepTrace: single !== undefined });
      totals.seeds += 1;
      totals.requests += result.requests;
      totals.crashes += result.crashes;
      totals.restarts += result.processes - 1;
      totals.webhooks += result.webhooks;
      if (result.violations.length > 0) {
        failed.push(result);
        totals.failed.push(seed);
        if (failed.length <= 2) t.diagnostic(report(result));
      }
    }
    totals.nanoseconds += process.hrtime.bigint() - started;
    if (failed.length > 0) {
      // Which invariant, in how many seeds: the text before a violation's first ':' names it.
      const byInvariant = new Map<string, number[]>();
      for (const result of failed) {
        for (const invariant of new Set(result.violations.map((line) => line.split(':')[0]!))) {
          byInvariant.set(invariant, [...(byInvariant.get(invariant) ?? []), result.seed]);
        }
      }
      const summary = [...byInvariant]
        .map(([invariant, seeds]) => `  ${invariant}: seeds ${seeds.join(', ')}`)
        .join('\n');
      assert.fail(
        `${failed.length} of ${end - start} seeds broke an invariant:\n${summary}\n` +
          `replay one: OPENTILL_SIM_SEED=${failed[0]!.seed} npm run simulate`,
      );
    }
  });
}

after(() => {
  const seconds = Number(totals.nanoseconds) / 1e9;
  process.stdout.write(
    `# simulation: ${totals.seeds} seeds in ${seconds.toFixed(1)} s = ${(totals.seeds / seconds).toFixed(1)} seeds/s; ` +
      `${totals.requests} requests, ${totals.restarts} restarts after ${totals.crashes} armed crashes, ` +
      `${totals.webhooks} webhooks accepted; rss ${(process.memoryUsage().rss / 1048576).toFixed(0)} MiB; ` +
      `failing seeds: ${totals.failed.length === 0 ? 'none' : totals.failed.join(', ')}\n`,
  );
});
