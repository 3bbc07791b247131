/** SetupIntents and `process_setup_intent` on simulated readers, black-box with stripe-node. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type Stripe from 'stripe';
import { stores, stripeError, terminalFixture, type TerminalFixture } from './terminal-fixture.js';

for (const store of stores) {
  describe(`setup intents and process_setup_intent (${store})`, () => {
    let f: TerminalFixture;
    before(async () => {
      f = await terminalFixture(store, 'terminal_setup');
    });
    after(async () => {
      await f.stop();
    });

    test('create, retrieve, update, list, cancel', async () => {
      const { stripe } = f;
      const customer = (await stripe.customers.create({ email: 'setup@example.com' })).id;
      const setupIntent = await stripe.setupIntents.create({
        allowed_payment_method_types: ['card_present'],
        customer,
        metadata: { a: '1' },
      });
      assert.deepEqual(setupIntent.payment_method_types, ['card_present']);
      assert.match(setupIntent.id, /^seti_/);
      assert.equal(setupIntent.status, 'requires_payment_method');
      assert.equal(setupIntent.usage, 'off_session');
      assert.match(setupIntent.client_secret!, new RegExp(`^${setupIntent.id}_secret_`));
      const updated = await stripe.setupIntents.update(setupIntent.id, {
        description: 'save card',
        metadata: { b: '2' },
      });
      assert.equal(updated.description, 'save card');
      assert.deepEqual(updated.metadata, { a: '1', b: '2' });
      assert.equal((await stripe.setupIntents.retrieve(setupIntent.id)).description, 'save card');
      const listed = await stripe.setupIntents.list({ customer });
      assert.ok(listed.data.some((s) => s.id === setupIntent.id));
      const canceled = await stripe.setupIntents.cancel(setupIntent.id, { cancellation_reason: 'abandoned' });
      assert.equal(canceled.status, 'canceled');
      assert.equal(canceled.cancellation_reason, 'abandoned');
      const again = await stripeError(stripe.setupIntents.cancel(setupIntent.id));
      assert.equal(again.code, 'setup_intent_unexpected_state');
      assert.equal((await stripeError(stripe.setupIntents.retrieve('seti_nope'))).code, 'resource_missing');
    });

    test('process_setup_intent: generated_card; declined card fails the action', async () => {
      const { stripe } = f;
      const reader = await f.reader();
      const customer = (await stripe.customers.create({ name: 'Nine' })).id;
      const setupIntent = await stripe.setupIntents.create({ customer });
      const started = await stripe.terminal.readers.processSetupIntent(reader.id, {
        setup_intent: setupIntent.id,
        allow_redisplay: 'always',
        process_config: { enable_customer_cancellation: true },
      });
      assert.equal(started.action?.type, 'process_setup_intent');
      assert.equal(started.action?.status, 'in_progress');
      const done = await stripe.testHelpers.terminal.readers.presentPaymentMethod(reader.id);
      assert.equal(done.action?.status, 'succeeded');
      const generated = done.action?.process_setup_intent?.generated_card as string;
      assert.match(generated, /^pm_/);
      const succeeded = await stripe.setupIntents.retrieve(setupIntent.id, { expand: ['latest_attempt'] });
      assert.equal(succeeded.status, 'succeeded');
      assert.equal(succeeded.payment_method, generated);
      const attempt = succeeded.latest_attempt as Stripe.SetupAttempt;
      assert.equal(attempt.payment_method_details.card_present?.generated_card, generated);
      const card = await stripe.paymentMethods.retrieve(generated);
      assert.equal(card.type, 'card');
      assert.equal(card.card?.last4, '4242');
      assert.equal(card.allow_redisplay, 'always');
      assert.equal(card.customer, customer);
      const events = await stripe.events.list({ type: 'terminal.reader.action_succeeded', limit: 100 });
      assert.ok(events.data.some((e) => (e.data.object as { id: string }).id === reader.id));

      const invalid = await stripeError(
        stripe.terminal.readers.processSetupIntent(reader.id, {
          setup_intent: setupIntent.id,
          allow_redisplay: 'always',
        }),
      );
      assert.equal(invalid.code, 'intent_invalid_state');

      const another = await stripe.setupIntents.create({});
      await stripe.terminal.readers.processSetupIntent(reader.id, {
        setup_intent: another.id,
        allow_redisplay: 'limited',
      });
      const declined = await stripe.testHelpers.terminal.readers.presentPaymentMethod(reader.id, {
        card_present: { number: '4000000000000002' },
      });
      assert.equal(declined.action?.status, 'failed');
      assert.equal(declined.action?.failure_code, 'card_declined');
      const reusable = await stripe.setupIntents.retrieve(another.id);
      assert.equal(reusable.status, 'requires_payment_method');
      assert.equal(reusable.last_setup_error?.code, 'card_declined');
    });
  });
}
