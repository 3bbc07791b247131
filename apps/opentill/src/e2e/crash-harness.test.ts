/**
 * The crash harness (issue 10): concurrent clients send every mutating request with an
 * `Idempotency-Key` while the real server binary is SIGKILLed — at random moments, and at the exact
 * point that used to fail (a request's effect committed, its answer not stored yet:
 * `OPENTILL_TEST_CRASH_BEFORE_ANSWER`). After each restart on the same SQLite file / PostgreSQL
 * schema, every unanswered request is retried with its key; then an auditor checks that
 *
 * - every acknowledged write is there, and every key replays its first answer byte for byte;
 * - no request took effect twice (one PaymentIntent, refund, SetupIntent per key; one capture);
 * - no retry answered a false error (every flow is valid by construction: any 4xx/5xx is a bug);
 * - amounts add up (received ≤ amount, refunded ≤ captured, refunds sum to amount_refunded);
 * - every event reached the local webhook receiver at least once, with a valid signature;
 * - no secret shown once (connection token, webhook secret) is stored in clear (SQLite file).
 *
 * Seeded: a failure prints the seed; `OPENTILL_CRASH_SEED=<n>` replays its workload and kill
 * points (the timing of random kills depends on the machine). `OPENTILL_CRASH_KILLS=<n>` sets the
 * kills per store (default 4; e.g. 300 on the benchmark machine).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Stripe from 'stripe';
import { freshSchema, startServer, testPostgres, type RunningServer, type StoreKind } from '@opentill/testkit';
import { Random } from '@opentill/simulation';
import { encodeForm, stores } from './helpers.js';
import { startReceiver } from './webhook-receiver.js';

const seed = Number(process.env['OPENTILL_CRASH_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
const killsPerStore = Number(process.env['OPENTILL_CRASH_KILLS'] ?? 4);
const clients = 4;
/** Past the idempotency lock (60 s): a retry after the restart is not refused as "in use". */
const lockSeconds = 61;
const webhookEnv = {
  OPENTILL_WEBHOOK_RETRY: 'base=1s,factor=2,cap=2s,window=1h',
  OPENTILL_WEBHOOK_POLL: '100ms',
  // Claims of a killed process expire after timeout + 5 s.
  OPENTILL_WEBHOOK_TIMEOUT: '3s',
};

/** The seeded generator of the deterministic simulation (pure-rand), as a float source in [0, 1). */
function random(seedValue: number): () => number {
  const generator = new Random(seedValue);
  return () => generator.int(0, 0xffff_ffff) / 0x1_0000_0000;
}

interface Answer {
  status: number;
  text: string;
  body: Record<string, unknown>;
}

/** One keyed request, as a client sent it, and what it got. */
interface Sent {
  key: string;
  path: string;
  form: string;
  /** The first answer the client received (before a crash, or on a retry after it). */
  answer: Answer | null;
  /** Sent again after a crash because the first attempt got no answer. */
  retried: boolean;
}

class ServerGone extends Error {}

/** A flow: a valid sequence of requests; each step needs the previous step's answer. */
interface Flow {
  id: string;
  kind: 'card' | 'reader' | 'setup' | 'endpoint' | 'token';
  steps: Sent[];
  done: boolean;
  /** Ids learned from answers: the PaymentIntent, the reader. */
  state: Record<string, string | number>;
}

interface World {
  store: StoreKind;
  server: RunningServer;
  secretKey: string;
  rng: () => number;
  flows: Flow[];
  readers: string[];
  endpoint: { id: string; secret: string };
  location: string;
  counts: {
    kills: number;
    exactKills: number;
    requests: number;
    retries: number;
    abandoned: number;
    declines: number;
    errors: string[];
  };
}

async function post(world: World, path: string, form: string, key: string | null): Promise<Answer> {
  let response: Response;
  try {
    response = await fetch(`${world.server.baseUrl}${path}`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${world.secretKey}`,
        'Content-Type': 'application/x-www-form-urlencoded',
        ...(key ? { 'Idempotency-Key': key } : {}),
      },
      body: form,
      signal: AbortSignal.timeout(15_000),
    });
    const text = await response.text();
    return { status: response.status, text, body: JSON.parse(text) as Record<string, unknown> };
  } catch {
    throw new ServerGone(path);
  }
}

async function get(world: World, path: string): Promise<Record<string, unknown>> {
  const response = await fetch(`${world.server.baseUrl}${path}`, {
    headers: { Authorization: `Bearer ${world.secretKey}` },
    signal: AbortSignal.timeout(15_000),
  });
  const body = (await response.json()) as Record<string, unknown>;
  assert.equal(response.status, 200, `GET ${path}: ${JSON.stringify(body)}`);
  return body;
}

/** Every object of a list endpoint (newest first). */
async function listAll(world: World, path: string): Promise<Array<Record<string, unknown>>> {
  const all: Array<Record<string, unknown>> = [];
  let after: string | null = null;
  for (let page = 0; page < 1000; page += 1) {
    const sep = path.includes('?') ? '&' : '?';
    const body = await get(world, `${path}${sep}limit=100${after ? `&starting_after=${after}` : ''}`);
    const data = body['data'] as Array<Record<string, unknown>>;
    all.push(...data);
    if (!body['has_more'] || data.length === 0) return all;
    after = String(data[data.length - 1]!['id']);
  }
  throw new Error(`${path}: more than 1000 pages`);
}

/** Sends a flow's next request (or re-sends an unanswered one with its key). */
async function send(world: World, flow: Flow, sent: Sent): Promise<Answer> {
  world.counts.requests += 1;
  const answer = await post(world, sent.path, sent.form, sent.key);
  sent.answer = answer;
  const expectedDecline =
    flow.state['decline'] === 1 &&
    sent.path.endsWith('/present_card') &&
    answer.status === 402 &&
    (answer.body['error'] as { decline_code?: string } | undefined)?.decline_code === 'withdrawal_count_limit_exceeded';
  if (expectedDecline) {
    // A decline commits the failed charge, then answers 402: a retry must answer the same 402.
    world.counts.declines += 1;
    flow.done = true;
  } else if (answer.status !== 200) {
    world.counts.errors.push(
      `${flow.id} ${sent.path}${sent.retried ? ' (retried)' : ''} → ${answer.status} ${answer.text.slice(0, 300)}`,
    );
    flow.done = true;
  }
  return answer;
}

/** The next request of a flow, from what its previous answers said; null when the flow is over. */
function nextRequest(world: World, flow: Flow): { path: string; form: Record<string, unknown> } | null {
  const step = flow.steps.length;
  const s = flow.state;
  const amount = Number(s['amount'] ?? 0);
  switch (flow.kind) {
    case 'card': {
      const plan = s['cancel']
        ? ['create', 'update', 'present', 'cancel']
        : ['create', 'update', 'present', 'capture', 'refund', 'refund'];
      switch (plan[step]) {
        case 'create':
          return {
            path: '/v1/payment_intents',
            form: {
              amount,
              currency: 'usd',
              capture_method: 'manual',
              payment_method_types: ['card_present'],
              metadata: { flow: flow.id },
            },
          };
        case 'update':
          return { path: `/v1/payment_intents/${s['pi']}`, form: { description: `flow ${flow.id}` } };
        case 'present':
          return {
            path: `/opentill/v1/test/payment_intents/${s['pi']}/present_card`,
            form: { number: '4242424242424242' },
          };
        case 'capture':
          return { path: `/v1/payment_intents/${s['pi']}/capture`, form: { amount_to_capture: s['capture'] } };
        case 'cancel':
          return { path: `/v1/payment_intents/${s['pi']}/cancel`, form: {} };
        case 'refund':
          return {
            path: '/v1/refunds',
            form: {
              payment_intent: s['pi'],
              amount: Math.max(1, Math.floor(Number(s['capture']) / 3)),
              metadata: { flow: flow.id, step },
            },
          };
        default:
          return null;
      }
    }
    case 'reader': {
      const reader = s['reader'];
      const plan = ['create', 'process', 'present', 'refund', 'present'];
      switch (plan[step]) {
        case 'create':
          return {
            path: '/v1/payment_intents',
            form: {
              amount,
              currency: 'usd',
              payment_method_types: ['card_present'],
              metadata: { flow: flow.id },
            },
          };
        case 'process':
          return { path: `/v1/terminal/readers/${reader}/process_payment_intent`, form: { payment_intent: s['pi'] } };
        case 'present':
          return { path: `/v1/test_helpers/terminal/readers/${reader}/present_payment_method`, form: {} };
        case 'refund':
          return {
            path: `/v1/terminal/readers/${reader}/refund_payment`,
            form: {
              payment_intent: s['pi'],
              amount: Math.max(1, Math.floor(amount / 2)),
              metadata: { flow: flow.id, step },
            },
          };
        default:
          return null;
      }
    }
    case 'setup':
      if (step === 0)
        return {
          path: '/v1/setup_intents',
          form: { payment_method_types: ['card_present'], metadata: { flow: flow.id } },
        };
      if (step === 1) return { path: `/v1/setup_intents/${s['seti']}/cancel`, form: {} };
      return null;
    case 'endpoint':
      if (step === 0)
        return { path: `/v1/webhook_endpoints/${world.endpoint.id}`, form: { metadata: { [`f${flow.id}`]: 'x' } } };
      // The secret the receiver checks stays valid (grace) while every later one is new.
      if (step === 1)
        return {
          path: `/opentill/v1/webhook_endpoints/${world.endpoint.id}/roll_secret`,
          form: { expires_in_seconds: 3600 },
        };
      return null;
    case 'token':
      if (step === 0) return { path: '/v1/terminal/connection_tokens', form: { location: world.location } };
      if (step === 1) return { path: `/opentill/v1/terminal/readers/${String(s['reader'])}/screen_sessions`, form: {} };
      return null;
  }
}

/** Learns ids from an answer. */
function learn(world: World, flow: Flow, sent: Sent): void {
  const body = sent.answer?.body ?? {};
  if (body['object'] === 'payment_intent') flow.state['pi'] = String(body['id']);
  if (body['object'] === 'setup_intent') flow.state['seti'] = String(body['id']);
  const action = body['action'] as { type?: string; status?: string } | null | undefined;
  if (
    sent.answer?.status === 200 &&
    body['object'] === 'terminal.reader' &&
    sent.path.endsWith('/present_payment_method') &&
    action?.type === 'process_payment_intent' &&
    action.status === 'in_progress'
  ) {
    // Only a retry may see this: the first attempt committed the authorization's start, then died
    // before authorizing (docs/idempotency.md). Nothing was charged; the reader reports a
    // connection error once the claim expires. The flow ends there (a refund would be refused).
    if (!sent.retried) world.counts.errors.push(`${flow.id}: authorization still in progress without a crash`);
    world.counts.abandoned += 1;
    flow.done = true;
  }
}

/** Runs one flow to its end or until the server is gone. */
async function runFlow(world: World, flow: Flow): Promise<void> {
  // A step sent before a crash and never answered goes again first, with the same key.
  const pending = flow.steps.find((step) => step.answer === null);
  if (pending) {
    pending.retried = true;
    world.counts.retries += 1;
    await send(world, flow, pending);
    learn(world, flow, pending);
  }
  while (!flow.done) {
    const next = nextRequest(world, flow);
    if (!next) {
      flow.done = true;
      return;
    }
    const sent: Sent = {
      key: `crash-${seed}-${flow.id}-${flow.steps.length}`,
      path: next.path,
      form: encodeForm(next.form),
      answer: null,
      retried: false,
    };
    flow.steps.push(sent);
    await send(world, flow, sent);
    learn(world, flow, sent);
  }
}

function newFlow(world: World, id: string, client: number): Flow {
  const roll = world.rng();
  const kind: Flow['kind'] =
    roll < 0.45 ? 'card' : roll < 0.7 ? 'reader' : roll < 0.82 ? 'setup' : roll < 0.92 ? 'endpoint' : 'token';
  // Whole amounts authorize; 10.65 is the simulated processor's test amount for a decline.
  const decline = kind === 'card' && world.rng() < 0.15 ? 1 : 0;
  const amount = decline ? 1065 : 100 * (1 + Math.floor(world.rng() * 50));
  return {
    id,
    kind,
    steps: [],
    done: false,
    state: {
      amount,
      capture: Math.max(50, Math.floor(amount * (0.5 + world.rng() / 2))),
      cancel: world.rng() < 0.2 ? 1 : 0,
      decline,
      reader: world.readers[client]!,
    },
  };
}

/** A client: finishes its unfinished flows (retrying), then starts new ones, until the server is gone. */
async function client(world: World, index: number, round: number, flowsMax: number): Promise<void> {
  try {
    for (const flow of world.flows.filter((f) => !f.done && f.state['reader'] === world.readers[index]))
      await runFlow(world, flow);
    for (let n = 0; n < flowsMax; n += 1) {
      const flow = newFlow(world, `${round}.${index}.${n}`, index);
      world.flows.push(flow);
      await runFlow(world, flow);
    }
  } catch (error) {
    if (!(error instanceof ServerGone)) throw error;
  }
}

async function start(
  world: World,
  options: { dataDir?: string; database?: string },
  env: Record<string, string>,
): Promise<RunningServer> {
  return startServer({
    store: world.store,
    name: 'crash harness',
    secretKey: world.secretKey,
    env: { ...webhookEnv, ...env },
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    ...(options.database ? { database: options.database } : {}),
  });
}

function killed(server: RunningServer): Promise<void> {
  return new Promise((resolve) => {
    if (server.process.exitCode !== null || server.process.signalCode !== null) resolve();
    else server.process.once('exit', () => resolve());
  });
}

async function advanceClock(world: World): Promise<void> {
  const answer = await post(world, '/opentill/v1/test/clock/advance', `seconds=${lockSeconds}`, null);
  assert.equal(answer.status, 200, answer.text);
}

async function audit(
  world: World,
  receiver: Awaited<ReturnType<typeof startReceiver>>,
  secrets: string[],
  dataDir: string | undefined,
): Promise<{ duplicates: number; falseErrors: number }> {
  const problems: string[] = [...world.counts.errors];
  const sentAll = world.flows.flatMap((flow) => flow.steps.map((step) => ({ flow, step })));
  // 1. Every key replays its first answer, byte for byte (acknowledged writes survived every crash).
  for (const { flow, step } of sentAll) {
    assert.ok(step.answer, `${flow.id} ${step.path}: unanswered after the final restart`);
    const replay = await post(world, step.path, step.form, step.key);
    if (replay.status !== step.answer.status || replay.text !== step.answer.text) {
      problems.push(
        `${step.key} ${step.path}: replay ${replay.status} ${replay.text.slice(0, 200)} ≠ first ${step.answer.status} ${step.answer.text.slice(0, 200)}`,
      );
    }
  }
  // 2. One object per key: PaymentIntents and SetupIntents per flow, refunds per (flow, step).
  let duplicates = 0;
  const count = (objects: Array<Record<string, unknown>>, label: (o: Record<string, unknown>) => string | null) => {
    const byLabel = new Map<string, string[]>();
    for (const object of objects) {
      const name = label(object);
      if (name !== null) byLabel.set(name, [...(byLabel.get(name) ?? []), String(object['id'])]);
    }
    for (const [name, ids] of byLabel) {
      if (ids.length > 1) {
        duplicates += ids.length - 1;
        problems.push(`${name}: ${ids.length} objects for one key (${ids.join(', ')})`);
      }
    }
    return byLabel;
  };
  const metadataOf = (o: Record<string, unknown>) => (o['metadata'] ?? {}) as Record<string, string>;
  const intents = await listAll(world, '/v1/payment_intents');
  const intentsByFlow = count(intents, (o) => metadataOf(o)['flow'] ?? null);
  const refunds = await listAll(world, '/v1/refunds');
  count(refunds, (o) => (metadataOf(o)['flow'] ? `refund ${metadataOf(o)['flow']}#${metadataOf(o)['step']}` : null));
  count(await listAll(world, '/v1/setup_intents'), (o) => metadataOf(o)['flow'] ?? null);
  // 3. The object each answered create named is the one stored; the last answered state holds.
  for (const flow of world.flows) {
    const create = flow.steps[0];
    if (create?.answer?.status === 200 && (flow.kind === 'card' || flow.kind === 'reader')) {
      // (Reader flows answer readers after the create: only card flows end on a PaymentIntent answer.)
      const ids = intentsByFlow.get(flow.id) ?? [];
      if (ids.length !== 1 || ids[0] !== create.answer.body['id'])
        problems.push(`${flow.id}: answered ${String(create.answer.body['id'])}, stored ${ids.join(', ')}`);
      const last = [...flow.steps]
        .reverse()
        .find((step) => step.answer?.status === 200 && step.answer.body['object'] === 'payment_intent');
      const stored = intents.find((pi) => pi['id'] === create.answer!.body['id']);
      if (flow.kind === 'card' && last && stored && last.answer!.body['status'] !== stored['status']) {
        problems.push(
          `${flow.id}: last answer said ${String(last.answer!.body['status'])}, stored ${String(stored['status'])}`,
        );
      }
    }
  }
  // 4. Amounts.
  const charges = await listAll(world, '/v1/charges');
  for (const pi of intents) {
    if (Number(pi['amount_received']) > Number(pi['amount']))
      problems.push(`${String(pi['id'])}: received ${String(pi['amount_received'])} > amount`);
  }
  for (const charge of charges) {
    const amount = Number(charge['amount']);
    const captured = Number(charge['amount_captured']);
    const refunded = Number(charge['amount_refunded']);
    const sum = refunds
      .filter((r) => r['charge'] === charge['id'] && r['status'] !== 'failed' && r['status'] !== 'canceled')
      .reduce((total, r) => total + Number(r['amount']), 0);
    if (captured > amount) problems.push(`${String(charge['id'])}: captured ${captured} > authorized ${amount}`);
    if (sum > captured) problems.push(`${String(charge['id'])}: refunds ${sum} > captured ${captured}`);
    // As Stripe reports it, amount_refunded also counts what a partial capture (or a cancel) released.
    const released = charge['captured'] ? amount - captured : refunded;
    if (charge['captured'] ? refunded !== sum + released : sum !== 0) {
      problems.push(
        `${String(charge['id'])}: refunds sum to ${sum}, amount_refunded ${refunded}, released ${released}`,
      );
    }
  }
  // 5. Every event delivered at least once, signed for the endpoint.
  const events = await listAll(world, '/v1/events');
  const eventIds = new Set(events.map((event) => String(event['id'])));
  await receiver
    .waitFor(
      (received) => {
        const seen = new Set(received.map((r) => r.event.id));
        return [...eventIds].every((id) => seen.has(id));
      },
      60_000,
      `all ${eventIds.size} events at the receiver`,
    )
    .catch((error: Error) => problems.push(error.message.slice(0, 300)));
  for (const received of receiver.received) {
    try {
      Stripe.webhooks.constructEvent(
        received.body,
        String(received.headers['stripe-signature']),
        world.endpoint.secret,
      );
    } catch (error) {
      problems.push(`event ${received.event.id}: ${(error as Error).message}`);
    }
  }
  // 6. Secrets shown once are not stored in clear in answers (the SQLite file and its WAL).
  // Connection-token secrets and screen tokens are otherwise stored only hashed; a webhook secret
  // is kept to sign (`…"secret":"whsec_…","expiresMs"…` in the endpoint), but an answer showing it
  // ends with it (`…"secret":"whsec_…"}`). PostgreSQL keeps what the same sealing code gives it.
  if (dataDir) {
    const files = readdirSync(dataDir)
      .filter((name) => name.startsWith('opentill.sqlite'))
      .map((name) => readFileSync(join(dataDir, name)));
    for (const secret of secrets) {
      const inAnswer = secret.startsWith('whsec_') ? `"secret":"${secret}"}` : secret;
      if (files.some((file) => file.includes(inAnswer)))
        problems.push(`a secret is stored in clear: ${secret.slice(0, 14)}…`);
    }
  }
  const falseErrors = world.counts.errors.length;
  assert.deepEqual(
    problems,
    [],
    `crash harness found ${problems.length} problems (replay with OPENTILL_CRASH_SEED=${seed})`,
  );
  return { duplicates, falseErrors };
}

for (const store of stores) {
  describe(`crash harness (${store})`, () => {
    it(`SIGKILL at random and right after a commit, restart, retry: first outcomes only, no double effect (seed ${seed})`, async (t) => {
      const rng = random(seed + (store === 'postgres' ? 1 : 0));
      const dataDir = store === 'sqlite' ? mkdtempSync(join(tmpdir(), 'opentill-crash-harness-')) : undefined;
      const schema = store === 'postgres' ? await freshSchema((await testPostgres()).url, 'crash harness') : undefined;
      const where = { ...(dataDir ? { dataDir } : {}), ...(schema ? { database: schema.url } : {}) };
      const receiver = await startReceiver(() => 200);
      const secretKey = `sk_test_crash${process.pid}x${Date.now()}`;
      const world = {
        store,
        secretKey,
        rng,
        flows: [],
        readers: [],
        location: '',
        counts: { kills: 0, exactKills: 0, requests: 0, retries: 0, abandoned: 0, declines: 0, errors: [] },
      } as unknown as World;
      world.server = await start(world, where, {});
      const secrets: string[] = [];
      try {
        // Set-up, keyed like everything else (answered before any kill).
        const endpoint = await post(
          world,
          '/v1/webhook_endpoints',
          encodeForm({ url: receiver.url, enabled_events: ['*'] }),
          `crash-${seed}-endpoint`,
        );
        assert.equal(endpoint.status, 200, endpoint.text);
        world.endpoint = { id: String(endpoint.body['id']), secret: String(endpoint.body['secret']) };
        secrets.push(world.endpoint.secret);
        const location = await post(
          world,
          '/v1/terminal/locations',
          encodeForm({
            display_name: 'Crash',
            address: { line1: '1 Main St', city: 'Paris', country: 'FR', postal_code: '75001' },
          }),
          `crash-${seed}-location`,
        );
        assert.equal(location.status, 200, location.text);
        world.location = String(location.body['id']);
        for (let i = 0; i < clients; i += 1) {
          const reader = await post(
            world,
            '/v1/terminal/readers',
            encodeForm({ registration_code: 'simulated-wpe', location: world.location }),
            `crash-${seed}-reader-${i}`,
          );
          assert.equal(reader.status, 200, reader.text);
          world.readers.push(String(reader.body['id']));
        }
        for (let round = 0; round <= killsPerStore; round += 1) {
          const last = round === killsPerStore;
          // Odd rounds kill at the exact point (the n-th committed request, before its answer is
          // stored); even rounds at a random moment.
          const exact = !last && round % 2 === 1;
          if (round > 0) {
            world.server = await start(
              world,
              where,
              exact ? { OPENTILL_TEST_CRASH_BEFORE_ANSWER: String(3 + Math.floor(rng() * 25)) } : {},
            );
            await advanceClock(world);
          }
          const flowsMax = last ? 1 : 6;
          const running = Promise.all(Array.from({ length: clients }, (_, i) => client(world, i, round, flowsMax)));
          if (last) {
            await running;
            break;
          }
          let killedByHarness = false;
          if (!exact) {
            const delayMs = 100 + Math.floor(rng() * 1400);
            await new Promise((resolve) => setTimeout(resolve, delayMs));
            killedByHarness = true;
            world.server.process.kill('SIGKILL');
          }
          // An exact kill that never came (fewer commits than n): the clients finished; kill now.
          await Promise.race([
            killed(world.server),
            running.then(async () => {
              // The clients see the connection drop before the process's exit is reported.
              await Promise.race([killed(world.server), new Promise((resolve) => setTimeout(resolve, 3000))]);
              if (world.server.process.exitCode === null && world.server.process.signalCode === null) {
                killedByHarness = true;
                world.server.process.kill('SIGKILL');
              }
            }),
          ]);
          await killed(world.server);
          await running;
          world.counts.kills += 1;
          if (exact && !killedByHarness) world.counts.exactKills += 1;
        }
        for (const flow of world.flows) {
          for (const step of flow.steps) {
            const body = step.answer?.body ?? {};
            if (typeof body['secret'] === 'string') secrets.push(body['secret']);
            if (typeof body['token'] === 'string') secrets.push(body['token']);
          }
        }
        const { duplicates, falseErrors } = await audit(world, receiver, secrets, dataDir);
        t.diagnostic(
          `seed ${seed}: ${world.counts.kills} kills (${world.counts.exactKills} at the exact point), ` +
            `${world.flows.length} flows, ${world.counts.requests} requests, ${world.counts.retries} retried after a crash, ` +
            `${duplicates} duplicates, ${falseErrors} false errors, ${world.counts.declines} declines, ${world.counts.abandoned} authorizations left unstarted by a crash, ` +
            `${secrets.length} secrets checked`,
        );
      } catch (error) {
        process.stderr.write(`crash harness (${store}) failed: replay with OPENTILL_CRASH_SEED=${seed}\n`);
        throw error;
      } finally {
        await world.server.stop();
        await receiver.close();
        if (dataDir) rmSync(dataDir, { recursive: true, force: true });
        if (schema) await schema.drop();
      }
    });
  });
}
