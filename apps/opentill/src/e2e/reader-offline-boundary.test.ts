/**
 * The reader's 2-minute offline rule at its exact boundary, over HTTP with stripe-node: a silent
 * reader is online 119.999 s and 120.000 s after it was last seen, offline at 120.001 s
 * (`readerStatusAt`: online while `now - last_seen_at <= 120 000 ms`).
 *
 * Millisecond steps need a clock that does not run by itself, so this server is composed in process
 * (the same `createServices` + `buildServer` as `opentill serve`) over a `ManualClock` for the wall
 * clock; the account's test clock moves on top of it as usual.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type Stripe from 'stripe';
import { createAccount, createServices, ManualClock, randomIds } from '@opentill/engine';
import { SimulatedProcessor } from '@opentill/processor-simulated';
import { buildServer, type App } from '@opentill/server';
import { SqliteStore } from '@opentill/store-sqlite';
import { raw, stripeFor } from './helpers.js';
import { stripeError } from './terminal-fixture.js';

describe('the reader offline rule at 119.999 / 120.000 / 120.001 s', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'opentill-offline-boundary-'));
  const clock = new ManualClock(Date.UTC(2026, 11, 3, 9, 0, 0));
  const store = new SqliteStore(join(dataDir, 'opentill.sqlite'));
  let app: App;
  let stripe: Stripe;
  let server: { baseUrl: string; port: number };
  let secretKey: string;

  before(async () => {
    await store.migrate();
    secretKey = (await createAccount(store, randomIds, clock)).secretKey;
    const services = createServices({
      store,
      processor: new SimulatedProcessor({ fingerprintKey: 'boundary' }),
      clock,
      ids: randomIds,
    });
    app = buildServer({ engine: services.engine, services, logger: false });
    await app.fastify.listen({ port: 0, host: '127.0.0.1' });
    const port = (app.fastify.server.address() as AddressInfo).port;
    server = { baseUrl: `http://127.0.0.1:${port}`, port };
    stripe = stripeFor(server, secretKey);
  });
  after(async () => {
    await app?.fastify.close();
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const opentill = async (path: string, form: Record<string, string> = {}) => {
    const response = await raw(server, 'POST', path, { key: secretKey, form });
    assert.equal(response.status, 200, response.text);
    return response.body;
  };

  test('online up to and including 120.000 s of silence, offline from 120.001 s', async () => {
    const location = await stripe.terminal.locations.create({
      display_name: 'HQ',
      address: { line1: '1 rue de la Paix', city: 'Paris', postal_code: '75002', country: 'FR' },
    });
    const reader = await stripe.terminal.readers.create({ registration_code: 'simulated-wpe', location: location.id });
    // Silent from now on: last seen at this very millisecond.
    const silenced = await opentill(`/opentill/v1/test/terminal/readers/${reader.id}/offline`, {
      silent_for_seconds: '0',
    });
    const lastSeen = silenced.last_seen_at as number;
    assert.equal(lastSeen, clock.nowMs());
    const status = async () => ((await stripe.terminal.readers.retrieve(reader.id)) as Stripe.Terminal.Reader).status;
    const paymentIntent = await stripe.paymentIntents.create({
      amount: 1000,
      currency: 'eur',
      payment_method_types: ['card_present'],
      capture_method: 'manual',
    } as Stripe.PaymentIntentCreateParams);
    const process = () =>
      stripeError(stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: paymentIntent.id }));

    // 119 s on the account's test clock, the last 999 ms on the wall clock.
    await opentill('/opentill/v1/test/clock/advance', { seconds: '119' });
    clock.advance(999);
    assert.equal(await status(), 'online', '119.999 s');
    clock.advance(1);
    assert.equal(await status(), 'online', '120.000 s: still online (the rule is "at most 2 minutes")');
    assert.equal((await process()).code, 'terminal_reader_timeout', 'online but not answering');
    clock.advance(1);
    assert.equal(await status(), 'offline', '120.001 s');
    assert.equal((await process()).code, 'terminal_reader_offline');
    const listed = (await stripe.terminal.readers.retrieve(reader.id)) as Stripe.Terminal.Reader;
    assert.equal(listed.last_seen_at, lastSeen, 'last_seen_at stays when it was last heard from');
  });
});
