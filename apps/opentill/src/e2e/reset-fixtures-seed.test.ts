/**
 * Test-mode conveniences end to end: `POST /opentill/v1/test/reset` and `opentill reset` clear an
 * account's data and nothing else; `--fixtures` creates its objects once across restarts; `--seed`
 * gives the same ids and the same outcomes run after run.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startServer, type RunningServer } from '@opentill/testkit';
import { raw, stores, type Json } from './helpers.js';
import { runCli } from './cli-process.js';

async function call(
  server: RunningServer,
  method: string,
  path: string,
  form?: Record<string, unknown>,
): Promise<Json> {
  const response = await raw(server, method, path, { key: server.secretKey, ...(form ? { form } : {}) });
  assert.ok(response.status < 300, `${method} ${path}: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

const address = { line1: '1 Main Street', city: 'San Francisco', state: 'CA', postal_code: '94111', country: 'US' };

/** A fixed script of requests; returns every id and outcome it saw, in order. */
async function script(server: RunningServer): Promise<string[]> {
  const seen: string[] = [];
  const location = await call(server, 'POST', '/v1/terminal/locations', { display_name: 'Seeded', address });
  const reader = await call(server, 'POST', '/v1/terminal/readers', {
    registration_code: 'simulated-wpe',
    location: location.id,
  });
  seen.push(location.id, reader.id, reader.serial_number);
  for (const number of ['4242424242424242', '4000000000000002', '4000000000009995']) {
    const pi = await call(server, 'POST', '/v1/payment_intents', {
      amount: 1500,
      currency: 'usd',
      payment_method_types: ['card_present'],
    });
    await call(server, 'POST', `/v1/terminal/readers/${reader.id}/process_payment_intent`, { payment_intent: pi.id });
    const done = await call(server, 'POST', `/v1/test_helpers/terminal/readers/${reader.id}/present_payment_method`, {
      type: 'card_present',
      card_present: { number },
    });
    const after = await call(server, 'GET', `/v1/payment_intents/${pi.id}`);
    seen.push(
      pi.id,
      pi.client_secret,
      String(after.status),
      String(after.latest_charge),
      String(after.last_payment_error?.decline_code ?? '-'),
      String(done.action?.status),
      String(done.action?.failure_code ?? '-'),
    );
    if (after.latest_charge) {
      const charge = await call(server, 'GET', `/v1/charges/${after.latest_charge}`);
      seen.push(
        charge.payment_method,
        charge.payment_method_details?.card_present?.fingerprint,
        charge.balance_transaction ?? '-',
      );
    }
  }
  const events = await call(server, 'GET', '/v1/events?limit=100');
  seen.push(...(events.data as Array<{ id: string; type: string }>).map((event) => `${event.type} ${event.id}`));
  return seen;
}

describe('--seed: reproducible ids and outcomes', () => {
  it('two fresh servers with one seed give the same ids and outcomes; another seed does not; a restart never repeats ids', async () => {
    const runs: string[][] = [];
    const dirs: string[] = [];
    try {
      for (const seed of ['42', '42', '43']) {
        const dataDir = mkdtempSync(join(tmpdir(), 'opentill-seed-'));
        dirs.push(dataDir);
        const server = await startServer({
          store: 'sqlite',
          name: `seed ${seed}`,
          dataDir,
          secretKey: 'sk_test_seededSeededSeeded01',
          env: { OPENTILL_SEED: seed },
        });
        try {
          assert.match(server.output(), new RegExp(`\\(sqlite, seed ${seed}\\)`));
          runs.push(await script(server));
        } finally {
          await server.stop();
        }
      }
      assert.equal(runs[0]!.length, runs[1]!.length);
      assert.deepEqual(runs[1], runs[0], 'same seed, same ids and outcomes');
      assert.ok(runs[0]!.includes('succeeded') && runs[0]!.includes('card_declined'), 'both outcomes happened');
      assert.notDeepEqual(runs[2], runs[0], 'another seed, other ids');
      // The first data directory again, same seed: new ids, none colliding with the stored ones.
      const again = await startServer({
        store: 'sqlite',
        name: 'seed again',
        dataDir: dirs[0]!,
        secretKey: 'sk_test_seededSeededSeeded01',
        env: { OPENTILL_SEED: '42' },
      });
      try {
        const next = await script(again);
        assert.notEqual(next[0], runs[0]![0]);
      } finally {
        await again.stop();
      }
    } finally {
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('--fixtures', () => {
  it('creates locations, configurations, readers, webhook endpoints and customers once; a restart reuses them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'opentill-fixtures-'));
    const fixtures = join(dir, 'fixtures.json');
    writeFileSync(
      fixtures,
      JSON.stringify({
        configurations: [{ key: 'tips', tipping: { usd: { percentages: [10, 15, 20] } } }],
        locations: [
          { key: 'shop', display_name: 'Shop', address, configuration_overrides: '@tips' },
          {
            key: 'paris',
            display_name: 'Paris',
            address: { line1: '1 Rue de Rivoli', city: 'Paris', postal_code: '75001', country: 'FR' },
          },
        ],
        readers: [
          { key: 'counter', registration_code: 'simulated-wpe', location: '@shop', label: 'Counter' },
          { key: 'bar', registration_code: 'simulated-wpe', location: '@paris', label: 'Bar' },
        ],
        webhook_endpoints: [
          { key: 'app', url: 'http://127.0.0.1:9/webhook', enabled_events: ['payment_intent.succeeded'] },
        ],
        customers: [{ key: 'ada', email: 'ada@example.com', name: 'Ada Lovelace' }],
      }),
    );
    const dataDir = join(dir, 'data');
    const options = {
      store: 'sqlite' as const,
      name: 'fixtures',
      dataDir,
      secretKey: 'sk_test_fixturesFixtures0001',
      env: { OPENTILL_FIXTURES: fixtures },
    };
    try {
      let server = await startServer(options);
      try {
        assert.match(server.output(), /Fixtures from .*fixtures\.json: 7 created, 0 already there/);
      } finally {
        await server.stop();
      }
      server = await startServer(options);
      try {
        assert.match(server.output(), /Fixtures from .*fixtures\.json: 0 created, 7 already there/);
        const readers = (await call(server, 'GET', '/v1/terminal/readers')).data as Json[];
        assert.deepEqual(readers.map((r) => r.label).sort(), ['Bar', 'Counter']);
        const locations = (await call(server, 'GET', '/v1/terminal/locations')).data as Json[];
        assert.equal(locations.length, 2);
        const shop = locations.find((l) => l.display_name === 'Shop');
        assert.equal(readers.find((r) => r.label === 'Counter').location, shop.id);
        assert.deepEqual(shop.metadata, { opentill_fixture: 'shop' });
        const configurations = (await call(server, 'GET', '/v1/terminal/configurations')).data as Json[];
        assert.equal(shop.configuration_overrides, configurations.find((c) => c.name === 'fixture:tips').id);
        const endpoints = (await call(server, 'GET', '/v1/webhook_endpoints')).data as Json[];
        assert.deepEqual(
          endpoints.map((e) => e.url),
          ['http://127.0.0.1:9/webhook'],
        );
        const customers = (await call(server, 'GET', '/v1/customers')).data as Json[];
        assert.deepEqual(
          customers.map((c) => [c.email, c.metadata]),
          [['ada@example.com', { opentill_fixture: 'ada' }]],
        );
      } finally {
        await server.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a bad fixtures file stops serve with one line before anything is written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'opentill-fixtures-bad-'));
    try {
      const cases: Array<[unknown, RegExp]> = [
        [{ terminals: [] }, /--fixtures: unknown section 'terminals'/],
        [{ locations: [{ display_name: 'x' }] }, /--fixtures: locations\[0\] needs a "key"/],
        [
          { readers: [{ key: 'r', registration_code: 'simulated-wpe', location: '@nowhere' }] },
          /readers 'r' names '@nowhere', which is not one of the locations in the file/,
        ],
      ];
      for (const [content, pattern] of cases) {
        const file = join(dir, 'f.json');
        writeFileSync(file, JSON.stringify(content));
        const dataDir = join(dir, 'data');
        const result = await runCli(['serve', '--port', '0', '--data-dir', dataDir, '--fixtures', file]);
        assert.equal(result.code, 1, result.stderr);
        assert.match(result.stderr, pattern);
        assert.equal(result.stderr.trim().split('\n').length, 1);
        assert.equal(existsSync(dataDir), false, 'nothing written');
      }
      const missing = await runCli([
        'serve',
        '--port',
        '0',
        '--data-dir',
        join(dir, 'd2'),
        '--fixtures',
        join(dir, 'nope.json'),
      ]);
      assert.match(missing.stderr, /--fixtures: cannot read .*nope\.json \(ENOENT\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

for (const store of stores) {
  describe(`reset (${store})`, () => {
    it("POST /opentill/v1/test/reset and opentill reset clear the account's data and keep its keys", async () => {
      const server = await startServer({ store, name: `reset ${store}` });

      try {
        await call(server, 'POST', '/v1/terminal/locations', { display_name: 'Gone', address });
        const pi = await call(server, 'POST', '/v1/payment_intents', {
          amount: 1000,
          currency: 'usd',
          payment_method_types: ['card_present'],
        });
        const keyed = await raw(server, 'POST', '/v1/payment_intents', {
          key: server.secretKey,
          headers: { 'Idempotency-Key': 'k1' },
          form: { amount: 1000, currency: 'usd', payment_method_types: ['card_present'] },
        });
        await call(server, 'POST', '/v1/webhook_endpoints', { url: 'http://127.0.0.1:9/hook', enabled_events: ['*'] });
        const answer = await call(server, 'POST', '/opentill/v1/test/reset');
        assert.equal(answer.object, 'opentill.test_reset');
        assert.ok(answer.deleted.objects >= 6, JSON.stringify(answer));
        assert.equal(answer.deleted.idempotency_keys, 1);
        for (const path of ['/v1/payment_intents', '/v1/terminal/locations', '/v1/events', '/v1/webhook_endpoints']) {
          assert.deepEqual((await call(server, 'GET', path)).data, [], path);
        }
        assert.equal((await raw(server, 'GET', `/v1/payment_intents/${pi.id}`, { key: server.secretKey })).status, 404);
        // The idempotency key is forgotten: the same key with another body is a new request.
        const reused = await raw(server, 'POST', '/v1/payment_intents', {
          key: server.secretKey,
          headers: { 'Idempotency-Key': 'k1' },
          form: { amount: 2000, currency: 'usd', payment_method_types: ['card_present'] },
        });
        assert.equal(reused.status, 200);
        assert.notEqual(reused.body.id, keyed.body.id);

        const cli = await runCli(['reset', '--api-key', server.secretKey, '--api-base', server.baseUrl]);
        assert.equal(cli.code, 0, cli.stderr);
        assert.match(
          cli.stdout,
          new RegExp(
            `^Reset acct_\\w+ on ${server.baseUrl.replace(/\./g, '\\.')}: \\d+ objects, 0 webhook deliveries, 1 idempotency keys deleted\\n$`,
          ),
        );
        assert.deepEqual((await call(server, 'GET', '/v1/payment_intents')).data, []);
        const bad = await raw(server, 'POST', '/opentill/v1/test/reset', {
          key: server.secretKey,
          form: { everything: 'yes' },
        });
        assert.equal(bad.status, 400);
        assert.equal(bad.body.error.param, 'everything');
      } finally {
        await server.stop();
      }
    });
  });
}
