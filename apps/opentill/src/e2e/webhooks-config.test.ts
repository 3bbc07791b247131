/**
 * `opentill serve`'s webhook configuration: private addresses refused when configured so, bad
 * options refused at start, and a clean restart (SIGTERM) handing the SQLite dispatcher lease over
 * at once, so pending deliveries go out without waiting for it to expire.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Stripe from 'stripe';
import { opentillMain, startServer } from '@opentill/testkit';
import { raw, stripeFor } from './helpers.js';
import { startReceiver } from './webhook-receiver.js';

describe('webhook configuration', () => {
  it('--webhook-allow-private false: loopback and private URLs are a 400 at configuration time', async () => {
    const server = await startServer({
      store: 'sqlite',
      name: 'no private',
      env: { OPENTILL_WEBHOOK_ALLOW_PRIVATE: 'false' },
    });
    try {
      for (const url of [
        'http://127.0.0.1:3000/hook',
        'http://localhost/hook',
        'http://10.0.0.8/hook',
        'http://[::1]:80/hook',
        'http://169.254.169.254/latest',
      ]) {
        const response = await raw(server, 'POST', '/v1/webhook_endpoints', {
          key: server.secretKey,
          form: { url, enabled_events: ['*'] },
        });
        assert.equal(response.status, 400, `${url}: ${response.text}`);
        assert.equal(response.body.error.code, 'url_invalid');
        assert.equal(response.body.error.param, 'url');
      }
      const ok = await raw(server, 'POST', '/v1/webhook_endpoints', {
        key: server.secretKey,
        form: { url: 'https://hooks.example.com/stripe', enabled_events: ['*'] },
      });
      assert.equal(ok.status, 200, ok.text);
    } finally {
      await server.stop();
    }
  });

  it('bad webhook options stop `opentill serve` with a clear message', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'opentill-badopt-'));
    try {
      for (const [args, message] of [
        [
          ['--webhook-retry', 'sometimes'],
          /--webhook-retry: unknown retry schedule key 'sometimes'|--webhook-retry: invalid retry schedule/,
        ],
        [['--webhook-timeout', 'forever'], /--webhook-timeout: 'forever' is not a duration \(e\.g\. 500ms, 10s, 2m\)/],
        [['--webhook-timeout', '10'], /--webhook-timeout: '10' is not a duration \(add a unit: 10s or 10ms\)/],
        [['--webhook-allow-private', 'maybe'], /opentill serve: unexpected argument 'maybe'/],
      ] as const) {
        const result = spawnSync(
          process.execPath,
          [opentillMain, 'serve', '--port', '0', '--data-dir', dataDir, ...args],
          // The timeout only stops a hang: a start on a busy machine took over 10 s (status null).
          { encoding: 'utf8', timeout: 120_000 },
        );
        assert.equal(result.status, 2, `${result.signal ?? ''} ${result.stderr}`);
        assert.match(result.stderr, message);
        assert.equal(result.stderr.trim().split('\n').length, 1, 'one line');
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('a clean restart (SIGTERM) releases the SQLite dispatcher lease: pending deliveries go out at once', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'opentill-restart-'));
    const secretKey = `sk_test_restart${process.pid}x${Date.now()}`;
    // A long timeout makes the lease long (timeout + 5 s = 125 s): far longer than the wait for the
    // delivery below gives it, so it can only arrive if the lease was released.
    const env = { OPENTILL_WEBHOOK_TIMEOUT: '120s', OPENTILL_WEBHOOK_POLL: '100ms' };
    const receiver = await startReceiver(() => 200);
    let server = await startServer({ store: 'sqlite', name: 'restart', dataDir, secretKey, env });
    try {
      const stripe = stripeFor(server, secretKey);
      const endpoint = await stripe.webhookEndpoints.create({
        url: receiver.url,
        enabled_events: ['payment_intent.created'],
      });
      await raw(server, 'POST', `/opentill/v1/test/webhook_endpoints/${endpoint.id}/fault`, {
        key: secretKey,
        form: { mode: 'delay', delay_seconds: 60 },
      });
      await stripe.paymentIntents.create({
        amount: 500,
        currency: 'usd',
        payment_method_types: ['card_present'],
      } as Stripe.PaymentIntentCreateParams);
      await server.stop('SIGTERM');
      server = await startServer({ store: 'sqlite', name: 'restart', dataDir, secretKey, env });
      await raw(server, 'POST', `/opentill/v1/test/webhook_endpoints/${endpoint.id}/fault`, {
        key: secretKey,
        form: { mode: 'none' },
      });
      await raw(server, 'POST', '/opentill/v1/test/clock/advance', { key: secretKey, form: { seconds: 61 } });
      await receiver.waitFor(
        (all) => all.length === 1,
        30_000,
        'the delivery after restart, long before the 125 s lease expires',
      );
      Stripe.webhooks.constructEvent(
        receiver.received[0]!.body,
        String(receiver.received[0]!.headers['stripe-signature']),
        endpoint.secret!,
      );
    } finally {
      await server.stop();
      await receiver.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
