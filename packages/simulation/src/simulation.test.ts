/**
 * The deterministic simulation in the suite: `OPENTILL_SIM_SEEDS` seeds (default 1,000) from
 * `OPENTILL_SIM_FIRST` (default 1), or exactly `OPENTILL_SIM_SEED`. A failing seed prints its
 * number, its violations and the end of its trace; `OPENTILL_SIM_SEED=<n>` replays it exactly.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runSeed, type SeedResult } from './simulate.js';

const env = process.env;
const single = env['OPENTILL_SIM_SEED'];
const first = single !== undefined ? Number(single) : Number(env['OPENTILL_SIM_FIRST'] ?? 1);
const count = single !== undefined ? 1 : Number(env['OPENTILL_SIM_SEEDS'] ?? 1_000);
const traceLines = Number(env['OPENTILL_SIM_TRACE_LINES'] ?? 60);

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
  const seed = first;
  const a = await runSeed(seed, { keepTrace: true });
  const b = await runSeed(seed, { keepTrace: true });
  assert.deepEqual(b.trace, a.trace);
  assert.equal(b.digest, a.digest);
  assert.deepEqual(b.violations, a.violations);
  assert.ok(a.requests > 0);
});

test(`simulation: ${count} seed(s) from ${first}`, async (t) => {
  const failed: SeedResult[] = [];
  const totals = { requests: 0, crashes: 0, processes: 0, webhooks: 0 };
  const started = process.hrtime.bigint();
  for (let seed = first; seed < first + count; seed += 1) {
    const result = await runSeed(seed, { keepTrace: single !== undefined });
    totals.requests += result.requests;
    totals.crashes += result.crashes;
    totals.processes += result.processes;
    totals.webhooks += result.webhooks;
    if (result.violations.length > 0) {
      failed.push(result);
      if (failed.length <= 3) t.diagnostic(report(result));
    }
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  t.diagnostic(`${count} seeds in ${seconds.toFixed(1)} s: ${(count / seconds).toFixed(1)} seeds/s; ` +
    `${totals.requests} requests, ${totals.processes - count} restarts after ${totals.crashes} armed crashes, ` +
    `${totals.webhooks} webhooks accepted`);
  t.diagnostic(`rss ${(process.memoryUsage().rss / 1048576).toFixed(0)} MiB`);
  if (failed.length > 0) {
    // Which invariant, how many seeds: the text before the first ':' names it.
    const byInvariant = new Map<string, number[]>();
    for (const result of failed) {
      for (const invariant of new Set(result.violations.map((line) => line.split(':')[0]!))) {
        byInvariant.set(invariant, [...(byInvariant.get(invariant) ?? []), result.seed]);
      }
    }
    const summary = [...byInvariant].map(([invariant, seeds]) =>
      `  ${invariant}: ${seeds.length} seed(s), e.g. ${seeds.slice(0, 12).join(', ')}`).join('\n');
    t.diagnostic(`failing seeds (${failed.length}): ${failed.map((result) => result.seed).join(', ')}`);
    assert.fail(`${failed.length} of ${count} seeds broke an invariant:\n${summary}\n` +
      `replay one: OPENTILL_SIM_SEED=${failed[0]!.seed} npm run simulate`);
  }
});
