/**
 * One simulated run: a seed → a world, a workload of `steps` steps, a settling phase, the audit.
 * Everything the run depends on comes from the seed (see world.ts for the adapters), so the same
 * seed gives the same trace and the same verdict: `OPENTILL_SIM_SEED=<n>` replays a failure.
 */
import { createHash } from 'node:crypto';
import { audit } from './auditor.js';
import { Client, errorCode } from './client.js';
import { Random } from './random.js';
import { Receivers } from './receivers.js';
import { Workload } from './workload.js';
import { World } from './world.js';

export interface SeedOptions {
  /** Workload steps before the run settles (small: many seeds beat long runs). */
  steps?: number;
  /** Keep the whole trace (for a report), not only its digest. */
  keepTrace?: boolean;
}

export interface SeedResult {
  seed: number;
  violations: string[];
  /** What happened, step by step (kept when asked, or when the seed failed). */
  trace: string[];
  /** SHA-256 of every answer and every accepted webhook: equal digests, equal runs. */
  digest: string;
  requests: number;
  crashes: number;
  processes: number;
  webhooks: number;
  /** Answers by request kind and outcome (`capture 200`, `refund 400 charge_expired_for_capture`…): what the seed exercised. */
  coverage: Map<string, number>;
}

/** 2026-01-01T00:00:00Z: any fixed instant; the run's clock starts there and moves only when told. */
const startMs = Date.UTC(2026, 0, 1);

export async function runSeed(seed: number, options: SeedOptions = {}): Promise<SeedResult> {
  const random = new Random(seed);
  const trace: string[] = [];
  const note = (line: string) => {
    trace.push(line);
  };
  const receivers = new Receivers(random);
  const world = new World({
    random,
    receivers,
    startMs,
    note,
    retrySchedule: { baseMs: 1_000, factor: 2, capMs: 10_000, windowMs: 30 * 24 * 3_600_000 },
  });
  await world.boot();
  const client = new Client(world, note);
  const workload = new Workload(world, client, random, note);
  const steps = options.steps ?? 24;
  await workload.setUp();
  for (let step = 0; step < steps; step += 1) await workload.step();
  note('settle');
  await workload.settle();
  const violations = [...client.violations, ...world.errors];
  if (client.unanswered.size > 0) {
    violations.push(
      `never answered: ${client.unanswered.size} request(s): ${[...client.unanswered].map((sent) => sent.key).join(', ')}`,
    );
  }
  violations.push(...audit({ database: world.process.serialize(), sent: client.sent, accepted: receivers.accepted }));
  await world.close();

  const hash = createHash('sha256');
  for (const sent of client.sent)
    for (const answer of sent.answers) hash.update(`${sent.key ?? ''} ${answer.status} ${answer.body}\n`);
  for (const received of receivers.accepted) hash.update(`${received.url} ${received.signature} ${received.body}\n`);
  const coverage = new Map<string, number>();
  for (const sent of client.sent) {
    const answer = sent.answers[0];
    const name = `${sent.kind} ${answer ? `${answer.status} ${errorCode(answer) ?? ''}`.trim() : 'unanswered'}`;
    coverage.set(name, (coverage.get(name) ?? 0) + 1);
  }
  return {
    seed,
    violations,
    coverage,
    trace: options.keepTrace || violations.length > 0 ? trace : [],
    digest: hash.digest('hex'),
    requests: client.sent.reduce((sum, sent) => sum + sent.attempts, 0),
    crashes: workload.crashes,
    processes: world.incarnations,
    webhooks: receivers.accepted.length,
  };
}
