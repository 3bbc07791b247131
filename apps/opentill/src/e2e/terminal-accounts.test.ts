/** Terminal objects of another account are invisible: two accounts on one database. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Stripe from 'stripe';
import { freshSchema, startServer, testPostgres } from '@opentill/testkit';
import { stores, stripeError } from './terminal-fixture.js';

for (const store of stores) {
  test(`readers and locations of another account answer resource_missing (${store})`, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'opentill-accounts-'));
    const schema = store === 'postgres' ? await freshSchema((await testPostgres()).url, 'terminal_accounts') : null;
    const shared = { store, name: 'terminal_accounts', dataDir, ...(schema ? { database: schema.url } : {}) };
    const first = await startServer({ ...shared, secretKey: `sk_test_first${process.pid}x${Date.now()}` });
    const client = (server: typeof first) =>
      new Stripe(server.secretKey, { host: '127.0.0.1', port: server.port, protocol: 'http', maxNetworkRetries: 0 });
    try {
      const stripe = client(first);
      const location = await stripe.terminal.locations.create({ display_name: 'A', address: { country: 'US' } });
      const reader = await stripe.terminal.readers.create({
        registration_code: 'simulated-wpe',
        location: location.id,
      });
      await first.stop();
      // A second server on the same database with another key makes a second account.
      const second = await startServer({ ...shared, secretKey: `sk_test_second${process.pid}x${Date.now()}` });
      try {
        const other = client(second);
        assert.equal((await stripeError(other.terminal.readers.retrieve(reader.id))).code, 'resource_missing');
        assert.equal((await stripeError(other.terminal.locations.retrieve(location.id))).code, 'resource_missing');
        const pi = await other.paymentIntents.create({
          amount: 1000,
          currency: 'usd',
          payment_method_types: ['card_present'],
        } as Stripe.PaymentIntentCreateParams);
        assert.equal(
          (await stripeError(other.terminal.readers.processPaymentIntent(reader.id, { payment_intent: pi.id }))).code,
          'resource_missing',
        );
        assert.equal(
          (
            await stripeError(
              other.terminal.readers.create({ registration_code: 'simulated-wpe', location: location.id }),
            )
          ).code,
          'resource_missing',
        );
        assert.equal((await other.terminal.readers.list()).data.length, 0);
      } finally {
        await second.stop();
      }
    } finally {
      await first.stop();
      rmSync(dataDir, { recursive: true, force: true });
      if (schema) await schema.drop();
    }
  });
}
