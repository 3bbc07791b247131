/**
 * The crash model: a process dies exactly where it was told to, its request goes unanswered, and
 * the next process starts from what was committed at that instant — no more, no less.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { Client } from './client.js';
import { Random } from './random.js';
import { Receivers } from './receivers.js';
import { World } from './world.js';

function paymentIntentsIn(snapshot: Buffer): number {
  const db = new Database(snapshot, { readonly: true });
  try {
    return db.prepare<[], { n: number }>("SELECT count(*) AS n FROM objects WHERE type = 'payment_intent'").get()!.n;
  } finally {
    db.close();
  }
}

async function world(): Promise<{ world: World; client: Client; trace: string[] }> {
  const random = new Random(7);
  const trace: string[] = [];
  const built = new World({
    random,
    receivers: new Receivers(random),
    startMs: Date.UTC(2026, 0, 1),
    note: (line) => trace.push(line),
    retrySchedule: { baseMs: 1_000, factor: 2, capMs: 10_000, windowMs: 3_600_000 },
  });
  await built.boot();
  return { world: built, client: new Client(built, (line) => trace.push(line)), trace };
}

const create = { amount: 1000, currency: 'usd', payment_method_types: ['card_present'] };

test('a crash after the commit keeps the effect and loses the answer', async () => {
  const { world: w, client, trace } = await world();
  w.crashPlan = { kind: 'after_commit', commitsLeft: 1 };
  const sent = client.request('create_payment_intent', 'POST', '/v1/payment_intents', create);
  assert.equal(await client.send(sent), null);
  assert.ok(w.process.dead);
  assert.ok(client.unanswered.has(sent));
  assert.equal(paymentIntentsIn(w.process.snapshot!), 1);
  assert.ok(trace.includes('crash after commit'));
});

test('a crash before the first write leaves nothing, and the retry runs once on the new process', async () => {
  const { world: w, client, trace } = await world();
  w.crashPlan = { kind: 'before_write', writesLeft: 1 };
  const sent = client.request('create_payment_intent', 'POST', '/v1/payment_intents', create);
  assert.equal(await client.send(sent), null);
  assert.equal(paymentIntentsIn(w.process.snapshot!), 0);
  assert.ok(trace.includes('crash before idempotency.begin'));

  await w.restart();
  assert.equal(w.process.number, 2);
  const answer = await client.send(sent);
  assert.equal(answer?.status, 200);
  assert.equal(client.unanswered.size, 0);
  assert.equal(paymentIntentsIn(w.process.serialize()), 1);
  await w.close();
});
