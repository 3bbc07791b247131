// `node bench/pg-drivers.mjs`: the database work of one PaymentIntent create with an
// Idempotency-Key, through the maintained PostgreSQL drivers side by side, in one run (issue 13).
// It reports, it never asserts.
//
// Each scenario runs the same three steps per operation at --concurrency in-flight operations on a
// pool of --pool connections, against 127.0.0.1:5432 db `test` (OPENTILL_BENCH_DATABASE_URL), in a
// fresh schema migrated by the real PostgresStore (so `opentill_commit`, migration 0008, exists):
//   claim the key (INSERT … ON CONFLICT DO NOTHING), commit (idempotency effect + the object + the
//   enabled-endpoints read + the event), store the answer (UPDATE);
// then a point read (`get`) per operation.
//
// Scenarios:
//   pg tx          node-postgres, the transaction as it was before issue 13: BEGIN, 4 statements, COMMIT
//   pg tx named    the same with named (prepared) statements
//   postgres tx    porsager `postgres`: sql.begin with the 4 statements pipelined (prepared by default)
//   pg fn          node-postgres through PostgresStore as shipped: one `opentill_commit` call, named statements;
//                  concurrent calls batched into one statement per kind (--batches N in flight per kind)
//   postgres fn    porsager `postgres`, the same function call
// `postgres` is not a dependency (it lost, see bench/README.md); to re-run its rows:
//   npm i --no-save postgres@3    (or POSTGRES_JS=/path/to/node_modules/postgres)
// Figures: ops/s, p50/p99 ms per operation, and this process's CPU µs per operation (the driver's
// cost in the server process; PostgreSQL's own CPU is on the same 2 cores, so ops/s shows it).
import { createRequire } from 'node:module';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { PostgresStore } from '../packages/store-postgres/dist/index.js';
import { freshSchema } from '../packages/testkit/dist/postgres.js';

const { values: flags } = parseArgs({
  options: {
    duration: { type: 'string' },
    concurrency: { type: 'string' },
    pool: { type: 'string' },
    batches: { type: 'string' },
    only: { type: 'string' },
  },
});
const durationS = Number(flags.duration ?? 5);
const concurrency = Number(flags.concurrency ?? 32);
const poolMax = Number(flags.pool ?? 10);
// PostgresStore's batches in flight per kind of hot statement (its default when absent).
const batchesInFlightMax = flags.batches === undefined ? undefined : Number(flags.batches);
const url = process.env.OPENTILL_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const ACCT = 'acct_bench';

let postgresJs = null;
try {
  const require = createRequire(process.env.POSTGRES_JS ? `${process.env.POSTGRES_JS}/` : import.meta.url);
  postgresJs = (await import(require.resolve(process.env.POSTGRES_JS ? process.env.POSTGRES_JS : 'postgres'))).default;
} catch {
  process.stderr.write('porsager `postgres` is not installed: its rows are skipped (npm i --no-save postgres@3)\n');
}

/** A PaymentIntent-sized object (about 1.5 KB of JSON), as the engine stores one. */
function paymentIntent(id) {
  return {
    id,
    object: 'payment_intent',
    amount: 1000,
    amount_capturable: 0,
    amount_details: { tip: {} },
    amount_received: 0,
    application: null,
    application_fee_amount: null,
    automatic_payment_methods: null,
    canceled_at: null,
    cancellation_reason: null,
    capture_method: 'manual',
    client_secret: `${id}_secret_${randomUUID().replace(/-/g, '')}`,
    confirmation_method: 'automatic',
    created: 1_764_000_000,
    currency: 'eur',
    customer: null,
    description: null,
    last_payment_error: null,
    latest_charge: null,
    livemode: false,
    metadata: {},
    next_action: null,
    on_behalf_of: null,
    payment_method: null,
    payment_method_configuration_details: null,
    payment_method_options: {
      card_present: {
        request_extended_authorization: false,
        request_incremental_authorization_support: false,
        routing: { requested_priority: null },
      },
    },
    payment_method_types: ['card_present'],
    processing: null,
    receipt_email: null,
    review: null,
    setup_future_usage: null,
    shipping: null,
    source: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: 'requires_payment_method',
    transfer_data: null,
    transfer_group: null,
  };
}
function event(pi) {
  return {
    id: `evt_${randomUUID().replace(/-/g, '')}`,
    object: 'event',
    api_version: '2026-10-28.endive',
    created: pi.created,
    data: { object: pi },
    livemode: false,
    pending_webhooks: 0,
    request: { id: null, idempotency_key: null },
    type: 'payment_intent.created',
  };
}

const claimSql = `INSERT INTO idempotency_keys (account_id, key, request_hash, state, created_ms, locked_until_ms, token)
  VALUES ($1, $2, $3, 'in_flight', $4, $5, $6) ON CONFLICT (account_id, key) DO NOTHING RETURNING 1`;
const effectSql =
  "UPDATE idempotency_keys SET effect = $1 WHERE account_id = $2 AND key = $3 AND token = $4 AND state = 'in_flight'";
const insertSql = `INSERT INTO objects (id, account_id, type, created, version, deadline_ms, data, filter_data)
  VALUES ($1, $2, $3, $4, 1, $5, $6::json, $7::json)`;
const endpointsSql = `SELECT id, data -> 'enabled_events' AS events FROM objects
  WHERE account_id = $1 AND type = 'webhook_endpoint' AND data ->> 'status' = 'enabled' AND (data -> 'deleted') IS NULL`;
const eventSql = `INSERT INTO objects (id, account_id, type, created, version, deadline_ms, data, filter_data)
  VALUES ($1, $2, 'event', $3, 1, NULL, $4::json, $5::json)`;
const finishSql = `UPDATE idempotency_keys SET state = 'done', response_status = $1, response_body = $2, effect = NULL
  WHERE account_id = $3 AND key = $4 AND token = $5 AND state = 'in_flight'`;
const getSql = 'SELECT id, version, data FROM objects WHERE id = $1 AND account_id = $2';
const fnSql = `SELECT opentill_commit($1, $2, $3, $4, $5::text[], $6::text[], $7::bigint[], $8::int[], $9::boolean[], $10::bigint[],
  $11::text[], $12::text[], $13::text[], $14::bigint[], $15::text[], $16::text[], $17::text[], $18::text[], $19::text[],
  $20::text[], $21::bigint[], $22, $23) AS outcome`;

function operationInput() {
  const pi = paymentIntent(`pi_${randomUUID().replace(/-/g, '')}`);
  const data = JSON.stringify(pi);
  const evt = event(pi);
  return {
    pi,
    data,
    evt,
    evtData: JSON.stringify(evt),
    key: `stripe-node-retry-${randomUUID()}`,
    token: randomUUID(),
    now: Date.now(),
  };
}
const fnValues = (o) => [
  ACCT,
  o.key,
  o.token,
  `{"objects":[{"data":${o.data}}]}`,
  [o.pi.id],
  ['payment_intent'],
  [o.pi.created],
  [0],
  [true],
  [null],
  [o.data],
  [null],
  [o.evt.id],
  [o.evt.created],
  [o.evtData],
  [null],
  [],
  [],
  [],
  [],
  [],
  null,
  '',
];

/** Element type OIDs of fnValues' arrays (25 text, 20 int8, 23 int4, 16 bool). */
const fnArrayTypes = [0, 0, 0, 0, 25, 25, 20, 23, 16, 20, 25, 25, 25, 20, 25, 25, 25, 25, 25, 25, 20, 0, 0];

/** The scenarios: `run(input)` does the create's three steps; `get(id)` one point read. */
function pgScenario(pool, named) {
  const q = (client, name, text, values) => client.query(named ? { name, text, values } : { text, values });
  return {
    async run(o) {
      await q(pool, 'claim', claimSql, [ACCT, o.key, 'hash', o.now, o.now + 60_000, o.token]);
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await q(client, 'effect', effectSql, [`{"objects":[{"data":${o.data}}]}`, ACCT, o.key, o.token]);
        await q(client, 'insert', insertSql, [o.pi.id, ACCT, 'payment_intent', o.pi.created, null, o.data, null]);
        await q(client, 'endpoints', endpointsSql, [ACCT]);
        await q(client, 'event', eventSql, [o.evt.id, ACCT, o.evt.created, o.evtData, null]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      } finally {
        client.release();
      }
      await q(pool, 'finish', finishSql, [200, o.data, ACCT, o.key, o.token]);
    },
    get: (id) => q(pool, 'get', getSql, [id, ACCT]),
  };
}

function storeScenario(store) {
  return {
    async run(o) {
      await store.idempotency.begin(ACCT, o.key, 'hash', o.now, o.token);
      const result = await store.commit({
        accountId: ACCT,
        puts: [{ object: o.pi, expectedVersion: 0, data: o.data }],
        events: [o.evt],
        idempotency: { key: o.key, token: o.token, effect: `{"objects":[{"data":${o.data}}]}` },
      });
      if (!result.ok) throw new Error(`commit failed: ${JSON.stringify(result)}`);
      await store.idempotency.finish(ACCT, o.key, 200, o.data, o.token);
    },
    get: (id) => store.get(ACCT, id),
  };
}

function postgresJsScenario(sql, fn) {
  const claim = (o) => sql.unsafe(claimSql, [ACCT, o.key, 'hash', o.now, o.now + 60_000, o.token], { prepare: true });
  const finish = (o) => sql.unsafe(finishSql, [200, o.data, ACCT, o.key, o.token], { prepare: true });
  return {
    async run(o) {
      await claim(o);
      if (fn) {
        // Arrays as typed parameters (element type OIDs): postgres.js infers an array's type from its first element.
        const values = fnValues(o).map((v, i) => (Array.isArray(v) ? sql.array(v, fnArrayTypes[i]) : v));
        await sql.unsafe(fnSql, values, { prepare: true });
      } else {
        await sql.begin((tx) => [
          tx.unsafe(effectSql, [`{"objects":[{"data":${o.data}}]}`, ACCT, o.key, o.token], { prepare: true }),
          tx.unsafe(insertSql, [o.pi.id, ACCT, 'payment_intent', o.pi.created, null, o.data, null], { prepare: true }),
          tx.unsafe(endpointsSql, [ACCT], { prepare: true }),
          tx.unsafe(eventSql, [o.evt.id, ACCT, o.evt.created, o.evtData, null], { prepare: true }),
        ]);
      }
      await finish(o);
    },
    get: (id) => sql.unsafe(getSql, [id, ACCT], { prepare: true }),
  };
}

async function measure(scenario, phase, ids) {
  const latencies = [];
  let errors = 0;
  let firstError = null;
  const endAt = performance.now() + durationS * 1000;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < endAt) {
        const start = performance.now();
        try {
          if (phase === 'create') {
            const o = operationInput();
            await scenario.run(o);
            ids.push(o.pi.id);
          } else await scenario.get(ids[next++ % ids.length]);
          latencies.push(performance.now() - start);
        } catch (error) {
          errors += 1;
          firstError ??= error;
        }
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  latencies.sort((a, b) => a - b);
  const pick = (q) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * q))] ?? NaN;
  return {
    ops: latencies.length,
    opsPerS: latencies.length / seconds,
    p50: pick(0.5),
    p99: pick(0.99),
    cpuUsPerOp: (cpu.user + cpu.system) / Math.max(1, latencies.length),
    errors,
    firstError: firstError ? String(firstError.message ?? firstError) : null,
  };
}

const schema = await freshSchema(url, 'bench pg drivers');
const setup = new PostgresStore({ connectionString: schema.url, poolMax: 2 });
await setup.migrate();
await setup.insertAccount({ id: ACCT, created: 1, clockOffsetMs: 0, settings: {} }, []);
await setup.close();

const only = flags.only ? new Set(flags.only.split(',')) : null;
const scenarios = [
  [
    'pg tx',
    () => {
      const pool = new pg.Pool({ connectionString: schema.url, max: poolMax });
      return { s: pgScenario(pool, false), end: () => pool.end() };
    },
  ],
  [
    'pg tx named',
    () => {
      const pool = new pg.Pool({ connectionString: schema.url, max: poolMax });
      return { s: pgScenario(pool, true), end: () => pool.end() };
    },
  ],
  [
    'pg fn',
    () => {
      const store = new PostgresStore({
        connectionString: schema.url,
        poolMax,
        ...(batchesInFlightMax ? { batchesInFlightMax } : {}),
      });
      return { s: storeScenario(store), end: () => store.close() };
    },
  ],
];
if (postgresJs) {
  const connect = () =>
    postgresJs(url, { max: poolMax, connection: { search_path: schema.schema }, onnotice: () => undefined });
  scenarios.push(
    [
      'postgres tx',
      () => {
        const sql = connect();
        return { s: postgresJsScenario(sql, false), end: () => sql.end() };
      },
    ],
    [
      'postgres fn',
      () => {
        const sql = connect();
        return { s: postgresJsScenario(sql, true), end: () => sql.end() };
      },
    ],
  );
}

const results = [];
try {
  for (const [name, make] of scenarios) {
    if (only && !only.has(name)) continue;
    const { s, end } = make();
    const ids = [];
    // Warm-up: connections opened, statements prepared.
    await Promise.all(
      Array.from({ length: poolMax }, async () => {
        const o = operationInput();
        await s.run(o);
        ids.push(o.pi.id);
      }),
    );
    const create = await measure(s, 'create', ids);
    const get = await measure(s, 'get', ids);
    await end();
    results.push({ name, create, get });
    process.stderr.write(
      `${name}: create ${create.opsPerS.toFixed(0)}/s ${create.cpuUsPerOp.toFixed(0)} µs, get ${get.opsPerS.toFixed(0)}/s\n`,
    );
  }
} finally {
  await schema.drop();
}

const baseline = results.find((r) => r.name === 'pg tx') ?? results[0];
const pad = (text, n) => String(text).padStart(n);
const lines = [
  `PostgreSQL drivers — ${concurrency} in flight, pool ${poolMax}, ${durationS} s per phase, ${url.replace(/\/\/[^@]*@/, '//')}`,
  `(create = claim + commit + stored answer; ratios against "pg tx", the path before issue 13, same run)`,
  '',
  `${'scenario'.padEnd(14)}${pad('create/s', 10)}${pad('p50 ms', 9)}${pad('p99 ms', 9)}${pad('µs/op', 8)}${pad('× ops', 8)}${pad('× µs', 7)}` +
    `${pad('get/s', 9)}${pad('p99 ms', 9)}${pad('µs/op', 8)}${pad('errors', 8)}`,
];
for (const r of results) {
  lines.push(
    `${r.name.padEnd(14)}${pad(r.create.opsPerS.toFixed(0), 10)}${pad(r.create.p50.toFixed(2), 9)}${pad(r.create.p99.toFixed(2), 9)}` +
      `${pad(r.create.cpuUsPerOp.toFixed(0), 8)}${pad((r.create.opsPerS / baseline.create.opsPerS).toFixed(2), 8)}` +
      `${pad((r.create.cpuUsPerOp / baseline.create.cpuUsPerOp).toFixed(2), 7)}${pad(r.get.opsPerS.toFixed(0), 9)}${pad(r.get.p99.toFixed(2), 9)}` +
      `${pad(r.get.cpuUsPerOp.toFixed(0), 8)}${pad(r.create.errors + r.get.errors, 8)}`,
  );
  if (r.create.firstError || r.get.firstError) lines.push(`  first error: ${r.create.firstError ?? r.get.firstError}`);
}
process.stdout.write(`${lines.join('\n')}\n`);
