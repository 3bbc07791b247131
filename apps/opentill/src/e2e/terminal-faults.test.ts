/** OpenTill fault injection on simulated readers (docs/terminal.md), black-box with stripe-node. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type Stripe from 'stripe';
import { listAll } from './helpers.js';
import { stores, stripeError, terminalFixture, type TerminalFixture } from './terminal-fixture.js';

const guide =
  'https://stripe.com/docs/terminal/payments/collect-card-payment?terminal-sdk-platform=server-driven#handle-errors';

for (const store of stores) {
  describe(`terminal fault injection (${store})`, () => {
    let f: TerminalFixture;
    before(async () => {
      f = await terminalFixture(store, 'terminal_faults');
    });
    after(async () => {
      await f.stop();
    });
    const fault = (reader: { id: string }, name: string, params: Record<string, string> = {}) =>
      f.opentill(`/opentill/v1/test/terminal/readers/${reader.id}/${name}`, params);
    const retrieve = async (id: string) => (await f.stripe.terminal.readers.retrieve(id)) as Stripe.Terminal.Reader;
    const eventCount = async (type: string, readerId: string) =>
      (await listAll(f.stripe.events.list({ type, limit: 100 }))).filter(
        (e) => (e.data.object as { id: string }).id === readerId,
      ).length;

    test('offline and back: terminal_reader_offline, status and last_seen_at', async () => {
      const { stripe } = f;
      const reader = await f.reader();
      const paymentIntent = await f.paymentIntent();
      await fault(reader, 'offline');
      const offline = await retrieve(reader.id);
      assert.equal(offline.status, 'offline');
      assert.ok(Date.now() - offline.last_seen_at! > 120_000);
      assert.ok(
        (await listAll(stripe.terminal.readers.list({ status: 'offline', limit: 100 }))).some(
          (r) => r.id === reader.id,
        ),
      );
      const error = await stripeError(
        stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: paymentIntent.id }),
      );
      assert.equal(error.code, 'terminal_reader_offline');
      assert.equal(error.statusCode, 400);
      assert.equal(
        error.message,
        'Reader is currently offline, please ensure the reader is powered on and connected to the ' +
          `internet before retrying your request. Reference the integration guide at ${guide} for details on how to handle this error.`,
      );
      assert.equal(error.doc_url, 'https://docs.stripe.com/error-codes#terminal-reader-offline');
      assert.equal(
        (await stripeError(stripe.terminal.readers.cancelAction(reader.id))).code,
        'terminal_reader_offline',
      );
      await fault(reader, 'online');
      assert.equal((await retrieve(reader.id)).status, 'online');
      const started = await stripe.terminal.readers.processPaymentIntent(reader.id, {
        payment_intent: paymentIntent.id,
      });
      assert.equal(started.action?.status, 'in_progress');
    });

    test('a reader that just went silent times out, then is offline after 2 minutes', async () => {
      const { stripe } = f;
      const reader = await f.reader();
      const paymentIntent = await f.paymentIntent();
      await fault(reader, 'offline', { silent_for_seconds: '0' });
      assert.equal((await retrieve(reader.id)).status, 'online');
      const timeout = await stripeError(
        stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: paymentIntent.id }),
      );
      assert.equal(timeout.code, 'terminal_reader_timeout');
      await f.opentill('/opentill/v1/test/clock/advance', { seconds: '121' });
      assert.equal((await retrieve(reader.id)).status, 'offline');
      const offline = await stripeError(
        stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: paymentIntent.id }),
      );
      assert.equal(offline.code, 'terminal_reader_offline');
      await fault(reader, 'online');
    });

    test('next command times out: not delivered (nothing changed), then delivered (false negative)', async () => {
      const { stripe } = f;
      const reader = await f.reader();
      const paymentIntent = await f.paymentIntent();
      await fault(reader, 'next_command_timeout');
      const lost = await stripeError(
        stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: paymentIntent.id }),
      );
      assert.equal(lost.code, 'terminal_reader_timeout');
      assert.equal(
        lost.message,
        `There was a timeout when sending this command to the reader. Please reference the integration guide at ${guide} for details on how to handle this error.`,
      );
      assert.equal((await retrieve(reader.id)).action, null);

      await fault(reader, 'next_command_timeout', { delivered: 'true' });
      const falseNegative = await stripeError(
        stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: paymentIntent.id }),
      );
      assert.equal(falseNegative.code, 'terminal_reader_timeout');
      const received = await retrieve(reader.id);
      assert.equal(received.action?.status, 'in_progress');
      assert.equal(received.action?.process_payment_intent?.payment_intent, paymentIntent.id);
      // Retrying is safe: the retry replaces the action that has not started processing.
      const retried = await stripe.terminal.readers.processPaymentIntent(reader.id, {
        payment_intent: paymentIntent.id,
      });
      assert.equal(retried.action?.status, 'in_progress');
      const done = await stripe.testHelpers.terminal.readers.presentPaymentMethod(reader.id);
      assert.equal(done.action?.status, 'succeeded');
    });

    test('connection_error during authorization: with and without the charge going through', async () => {
      const { stripe } = f;
      const reader = await f.reader();
      const notCharged = await f.paymentIntent();
      await fault(reader, 'next_authorization_connection_error');
      await stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: notCharged.id });
      const failed = await stripe.testHelpers.terminal.readers.presentPaymentMethod(reader.id);
      assert.equal(failed.action?.status, 'failed');
      assert.equal(failed.action?.failure_code, 'connection_error');
      assert.equal(failed.action?.failure_message, 'Could not connect to Stripe.');
      assert.equal((await stripe.paymentIntents.retrieve(notCharged.id)).status, 'requires_payment_method');

      const charged = await f.paymentIntent();
      await fault(reader, 'next_authorization_connection_error', { charged: 'true' });
      await stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: charged.id });
      const failedButPaid = await stripe.testHelpers.terminal.readers.presentPaymentMethod(reader.id);
      assert.equal(failedButPaid.action?.failure_code, 'connection_error');
      // As the seed says: check the PaymentIntent.
      assert.equal((await stripe.paymentIntents.retrieve(charged.id)).status, 'requires_capture');
      assert.equal(await eventCount('terminal.reader.action_failed', reader.id), 2);
    });

    test('busy (updating) for N seconds: terminal_reader_busy until it ends', async () => {
      const { stripe } = f;
      const reader = await f.reader();
      const paymentIntent = await f.paymentIntent();
      await fault(reader, 'busy', { seconds: '30' });
      const busy = await stripeError(
        stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: paymentIntent.id }),
      );
      assert.equal(busy.code, 'terminal_reader_busy');
      assert.equal(
        busy.message,
        `Reader is currently busy processing another request. Please reference the integration guide at ${guide} for details on how to handle this error.`,
      );
      assert.equal(busy.doc_url, 'https://docs.stripe.com/error-codes#terminal-reader-timeout');
      assert.equal((await stripeError(stripe.terminal.readers.cancelAction(reader.id))).code, 'terminal_reader_busy');
      await f.opentill('/opentill/v1/test/clock/advance', { seconds: '31' });
      const started = await stripe.terminal.readers.processPaymentIntent(reader.id, {
        payment_intent: paymentIntent.id,
      });
      assert.equal(started.action?.status, 'in_progress');
    });

    test('authorization latency: the busy window is observable, then the action succeeds', async () => {
      const { stripe } = f;
      const reader = await f.reader();
      const paymentIntent = await f.paymentIntent();
      const other = await f.paymentIntent();
      await fault(reader, 'authorization_latency', { seconds: '10' });
      await stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: paymentIntent.id });
      const authorizing = await stripe.testHelpers.terminal.readers.presentPaymentMethod(reader.id);
      assert.equal(authorizing.action?.status, 'in_progress');
      const busy = await stripeError(
        stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: other.id }),
      );
      assert.equal(busy.code, 'terminal_reader_busy');
      assert.equal((await stripeError(stripe.terminal.readers.cancelAction(reader.id))).code, 'terminal_reader_busy');
      assert.equal((await retrieve(reader.id)).action?.process_payment_intent?.payment_intent, paymentIntent.id);
      await f.opentill('/opentill/v1/test/clock/advance', { seconds: '11' });
      assert.equal((await retrieve(reader.id)).action?.status, 'succeeded');
      assert.equal((await stripe.paymentIntents.retrieve(paymentIntent.id)).status, 'requires_capture');
      assert.equal(await eventCount('terminal.reader.action_succeeded', reader.id), 1);
    });

    test('lost final webhook: the action stays in_progress until cancel_action', async () => {
      const { stripe } = f;
      const reader = await f.reader();
      const paymentIntent = await f.paymentIntent();
      await fault(reader, 'drop_next_final_event');
      await stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: paymentIntent.id });
      const stuck = await stripe.testHelpers.terminal.readers.presentPaymentMethod(reader.id);
      assert.equal(stuck.action?.status, 'in_progress');
      assert.equal((await stripe.paymentIntents.retrieve(paymentIntent.id)).status, 'requires_capture');
      assert.equal(await eventCount('terminal.reader.action_succeeded', reader.id), 0);
      const cleared = (await stripe.terminal.readers.cancelAction(reader.id)) as Stripe.Terminal.Reader;
      assert.equal(cleared.action, null);
      const next = await f.paymentIntent();
      await stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: next.id });
      await stripe.testHelpers.terminal.readers.presentPaymentMethod(reader.id);
      assert.equal(await eventCount('terminal.reader.action_succeeded', reader.id), 1);
    });

    test('demo option: auto-present a card after a delay', async () => {
      const { stripe } = f;
      const reader = await f.reader();
      const paymentIntent = await f.paymentIntent();
      await fault(reader, 'auto_present', { after_seconds: '5' });
      await stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: paymentIntent.id });
      await f.opentill('/opentill/v1/test/clock/advance', { seconds: '6' });
      assert.equal((await retrieve(reader.id)).action?.status, 'succeeded');
      assert.equal((await stripe.paymentIntents.retrieve(paymentIntent.id)).status, 'requires_capture');
    });
  });
}
