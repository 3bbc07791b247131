/**
 * Server-driven payments through simulated readers, as the seed's Node.js snippets write them:
 * process immediately; collect, inspect, confirm; capture; polling; each error case; events.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type Stripe from 'stripe';
import { listAll } from './helpers.js';
import { stores, stripeError, terminalFixture, type TerminalFixture } from './terminal-fixture.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

async function eventsOf(stripe: Stripe, type: string, objectId: string): Promise<Stripe.Event[]> {
  const list = await listAll(stripe.events.list({ type, limit: 100 }));
  return list.filter((event) => (event.data.object as { id: string }).id === objectId);
}

for (const store of stores) {
  describe(`terminal server-driven payments (${store})`, () => {
    let f: TerminalFixture;
    before(async () => {
      f = await terminalFixture(store, 'terminal_payments');
    });
    after(async () => {
      await f.stop();
    });

    test('process immediately, poll, capture (seed flow)', async () => {
      const { stripe } = f;
      const reader = await f.reader();
      const paymentIntent = await f.paymentIntent();
      const started = await stripe.terminal.readers.processPaymentIntent(reader.id, {
        payment_intent: paymentIntent.id,
      });
      assert.equal(started.action?.type, 'process_payment_intent');
      assert.equal(started.action?.status, 'in_progress');
      assert.equal(started.action?.failure_code, null);
      assert.equal(started.action?.failure_message, null);
      assert.equal(started.action?.process_payment_intent?.payment_intent, paymentIntent.id);
      // Polling: the reader and the PaymentIntent tell the same story.
      const polled = (await stripe.terminal.readers.retrieve(reader.id)) as Stripe.Terminal.Reader;
      assert.equal(polled.action?.status, 'in_progress');
      assert.equal((await stripe.paymentIntents.retrieve(paymentIntent.id)).status, 'requires_payment_method');

      const presented = await stripe.testHelpers.terminal.readers.presentPaymentMethod(reader.id);
      assert.equal(presented.action?.status, 'succeeded');
      const after = await stripe.paymentIntents.retrieve(paymentIntent.id, { expand: ['latest_charge'] });
      assert.equal(after.status, 'requires_capture');
      const charge = after.latest_charge as Loose;
      assert.equal(charge.payment_method_details.card_present.last4, '4242');
      assert.equal(charge.payment_method_details.card_present.reader, reader.id);
      assert.equal(
        ((await stripe.terminal.readers.retrieve(reader.id)) as Stripe.Terminal.Reader).action?.status,
        'succeeded',
      );

      const succeeded = await eventsOf(stripe, 'terminal.reader.action_succeeded', reader.id);
      assert.equal(succeeded.length, 1);
      const eventReader = succeeded[0]!.data.object as Stripe.Terminal.Reader;
      assert.equal(eventReader.action?.status, 'succeeded');
      assert.equal(eventReader.action?.process_payment_intent?.payment_intent, paymentIntent.id);
      assert.equal((eventReader as Loose)._internal, undefined);

      const captured = await stripe.paymentIntents.capture(paymentIntent.id);
      assert.equal(captured.status, 'succeeded');
      assert.equal(captured.amount_received, 1000);
    });

    test('automatic capture succeeds at once; tip on the reader is added', async () => {
      const { stripe } = f;
      const reader = await f.reader();
      const paymentIntent = await f.paymentIntent({ capture_method: 'automatic' });
      await stripe.terminal.readers.processPaymentIntent(reader.id, {
        payment_intent: paymentIntent.id,
        process_config: { tipping: { amount_eligible: 1000 } },
      });
      const done = await stripe.testHelpers.terminal.readers.presentPaymentMethod(reader.id, { amount_tip: 150 });
      assert.equal(done.action?.status, 'succeeded');
      assert.deepEqual(done.action?.process_payment_intent?.process_config, { tipping: { amount_eligible: 1000 } });
      const after = await stripe.paymentIntents.retrieve(paymentIntent.id);
      assert.equal(after.status, 'succeeded');
      assert.equal(after.amount, 1150);
      assert.equal(after.amount_details?.tip?.amount, 150);
    });

    test('collect, inspect, confirm', async () => {
      const { stripe } = f;
      const reader = await f.reader();
      const paymentIntent = await f.paymentIntent();
      const collecting = await stripe.terminal.readers.collectPaymentMethod(reader.id, {
        payment_intent: paymentIntent.id,
        collect_config: { skip_tipping: true },
      });
      assert.equal(collecting.action?.type, 'collect_payment_method');
      assert.equal(collecting.action?.status, 'in_progress');
      const collected = await stripe.testHelpers.terminal.readers.presentPaymentMethod(reader.id, {
        card_present: { number: '4000056655665556' },
      });
      const paymentMethod = collected.action?.collect_payment_method?.payment_method as Stripe.PaymentMethod;
      assert.equal(paymentMethod.object, 'payment_method');
      assert.equal(paymentMethod.type, 'card_present');
      assert.equal(paymentMethod.card_present?.funding, 'debit');
      assert.equal(collected.action?.collect_payment_method?.collect_config?.skip_tipping, true);
      const inspected = await stripe.paymentIntents.retrieve(paymentIntent.id);
      assert.equal(inspected.status, 'requires_confirmation');
      assert.equal(inspected.payment_method, paymentMethod.id);
      assert.equal((await eventsOf(stripe, 'terminal.reader.action_updated', reader.id)).length, 1);

      const confirmed = await stripe.terminal.readers.confirmPaymentIntent(reader.id, {
        payment_intent: paymentIntent.id,
      });
      assert.equal(confirmed.action?.type, 'confirm_payment_intent');
      assert.equal(confirmed.action?.status, 'succeeded');
      assert.equal((await stripe.paymentIntents.retrieve(paymentIntent.id)).status, 'requires_capture');
      assert.equal((await eventsOf(stripe, 'terminal.reader.action_succeeded', reader.id)).length, 1);
    });

    test('collected card expires after 30 seconds: the PaymentIntent is reusable', async () => {
      const { stripe } = f;
      const reader = await f.reader();
      const paymentIntent = await f.paymentIntent();
      await stripe.terminal.readers.collectPaymentMethod(reader.id, { payment_intent: paymentIntent.id });
      await stripe.testHelpers.terminal.readers.presentPaymentMethod(reader.id);
      await f.opentill('/opentill/v1/test/clock/advance', { seconds: '31' });
      const expired = await stripe.paymentIntents.retrieve(paymentIntent.id);
      assert.equal(expired.status, 'requires_payment_method');
      assert.equal(expired.payment_method, null);
      const late = await stripeError(
        stripe.terminal.readers.confirmPaymentIntent(reader.id, { payment_intent: paymentIntent.id }),
      );
      assert.equal(late.code, 'intent_invalid_state');
      await stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: paymentIntent.id });
      const done = await stripe.testHelpers.terminal.readers.presentPaymentMethod(reader.id);
      assert.equal(done.action?.status, 'succeeded');
    });

    test('decline: card_declined with the decline message, the PaymentIntent is reused', async () => {
      const { stripe } = f;
      const reader = await f.reader();
      const paymentIntent = await f.paymentIntent();
      await stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: paymentIntent.id });
      const declined = await stripe.testHelpers.terminal.readers.presentPaymentMethod(reader.id, {
        card_present: { number: '4000000000009995' },
      });
      assert.equal(declined.action?.status, 'failed');
      assert.equal(declined.action?.failure_code, 'card_declined');
      assert.equal(declined.action?.failure_message, 'Your card has insufficient funds.');
      const failedEvents = await eventsOf(stripe, 'terminal.reader.action_failed', reader.id);
      assert.equal(failedEvents.length, 1);
      const reusable = await stripe.paymentIntents.retrieve(paymentIntent.id);
      assert.equal(reusable.status, 'requires_payment_method');
      assert.equal(reusable.last_payment_error?.decline_code, 'insufficient_funds');
      await stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: paymentIntent.id });
      const approved = await stripe.testHelpers.terminal.readers.presentPaymentMethod(reader.id);
      assert.equal(approved.action?.status, 'succeeded');
      assert.equal((await stripe.paymentIntents.retrieve(paymentIntent.id)).status, 'requires_capture');
    });

    test('a card asking for a PIN: the reader prompts and the payment goes through', async () => {
      const { stripe } = f;
      const reader = await f.reader();
      const paymentIntent = await f.paymentIntent({ amount: 1002 });
      await stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: paymentIntent.id });
      const done = await stripe.testHelpers.terminal.readers.presentPaymentMethod(reader.id);
      assert.equal(done.action?.status, 'succeeded');
      assert.equal((await stripe.paymentIntents.retrieve(paymentIntent.id)).status, 'requires_capture');
    });

    test('intent_invalid_state: exact error, the reader action untouched', async () => {
      const { stripe } = f;
      const reader = await f.reader();
      const paid = await f.paymentIntent();
      await stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: paid.id });
      await stripe.testHelpers.terminal.readers.presentPaymentMethod(reader.id);
      const error = await stripeError(
        stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: paid.id }),
      );
      assert.equal(error.statusCode, 400);
      assert.equal(error.type, 'StripeInvalidRequestError');
      assert.equal(error.code, 'intent_invalid_state');
      assert.equal(
        error.message,
        'Payment intent must be in the requires_payment_method state to be processed by a reader.',
      );
      assert.equal(error.doc_url, 'https://docs.stripe.com/error-codes#intent-invalid-state');
      const unchanged = (await stripe.terminal.readers.retrieve(reader.id)) as Stripe.Terminal.Reader;
      assert.equal(unchanged.action?.status, 'succeeded');
      const missing = await stripeError(
        stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: 'pi_missing' }),
      );
      assert.equal(missing.code, 'resource_missing');
      assert.equal(missing.param, 'payment_intent');
      const noParam = await stripeError(
        stripe.terminal.readers.processPaymentIntent(reader.id, {} as { payment_intent: string }),
      );
      assert.equal(noParam.code, 'parameter_missing');
      const canceled = await f.paymentIntent();
      await stripe.paymentIntents.cancel(canceled.id);
      assert.equal(
        (await stripeError(stripe.terminal.readers.collectPaymentMethod(reader.id, { payment_intent: canceled.id })))
          .code,
        'intent_invalid_state',
      );
    });

    test('one action at a time: a payment not yet processing is replaced; cancel_action clears it', async () => {
      const { stripe } = f;
      const reader = await f.reader();
      const first = await f.paymentIntent();
      const second = await f.paymentIntent({ amount: 2000 });
      await stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: first.id });
      const replaced = await stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: second.id });
      assert.equal(replaced.action?.process_payment_intent?.payment_intent, second.id);
      const canceled = await stripe.terminal.readers.cancelAction(reader.id);
      assert.equal((canceled as Stripe.Terminal.Reader).action, null);
      assert.equal((await stripe.paymentIntents.retrieve(second.id)).status, 'requires_payment_method');
      const nothing = await stripeError(stripe.testHelpers.terminal.readers.presentPaymentMethod(reader.id));
      assert.equal(nothing.statusCode, 400);
      // cancel_action emits no action event.
      assert.equal((await eventsOf(stripe, 'terminal.reader.action_failed', reader.id)).length, 0);
    });

    test('PaymentIntent canceled while the reader waits: the action fails with the API error', async () => {
      const { stripe } = f;
      const reader = await f.reader();
      const paymentIntent = await f.paymentIntent();
      await stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: paymentIntent.id });
      await stripe.paymentIntents.cancel(paymentIntent.id);
      const failed = await stripe.testHelpers.terminal.readers.presentPaymentMethod(reader.id);
      assert.equal(failed.action?.status, 'failed');
      assert.equal(failed.action?.failure_code, 'payment_intent_unexpected_state');
      assert.equal((failed.action as Loose).api_error.type, 'invalid_request_error');
      const collecting = await f.paymentIntent();
      await stripe.terminal.readers.collectPaymentMethod(reader.id, { payment_intent: collecting.id });
      await stripe.paymentIntents.cancel(collecting.id);
      const notCollected = await stripe.testHelpers.terminal.readers.presentPaymentMethod(reader.id);
      assert.equal(notCollected.action?.status, 'failed');
    });

    test('customer cancellation fails the action with customer_canceled', async () => {
      const { stripe } = f;
      const reader = await f.reader();
      const paymentIntent = await f.paymentIntent();
      await stripe.terminal.readers.processPaymentIntent(reader.id, {
        payment_intent: paymentIntent.id,
        process_config: { enable_customer_cancellation: true },
      });
      const pressed = (await f.opentill(`/opentill/v1/test/terminal/readers/${reader.id}/press_cancel`)) as Loose;
      assert.deepEqual(pressed.action, {
        api_error: null,
        failure_code: 'customer_canceled',
        failure_message: 'This action could not be completed due to an error on the card reader.',
        process_payment_intent: {
          payment_intent: paymentIntent.id,
          process_config: { enable_customer_cancellation: true },
        },
        status: 'failed',
        type: 'process_payment_intent',
      });
      assert.equal((await eventsOf(stripe, 'terminal.reader.action_failed', reader.id)).length, 1);
      assert.equal((await stripe.paymentIntents.retrieve(paymentIntent.id)).status, 'requires_payment_method');
      // Without enable_customer_cancellation there is no cancel button.
      await stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: paymentIntent.id });
      await assert.rejects(f.opentill(`/opentill/v1/test/terminal/readers/${reader.id}/press_cancel`));
    });

    test('set_reader_display: cart validated, stays in_progress until cancel_action', async () => {
      const { stripe } = f;
      const reader = await f.reader();
      const cart = {
        currency: 'eur',
        line_items: [
          { amount: 500, description: 'Café', quantity: 2 },
          { amount: 250, description: 'Croissant', quantity: 1 },
        ],
        tax: 125,
        total: 1375,
      };
      const shown = await stripe.terminal.readers.setReaderDisplay(reader.id, { type: 'cart', cart });
      assert.equal(shown.action?.type, 'set_reader_display');
      assert.equal(shown.action?.status, 'in_progress');
      assert.deepEqual(shown.action?.set_reader_display, { type: 'cart', cart });
      const wrongTotal = await stripeError(
        stripe.terminal.readers.setReaderDisplay(reader.id, {
          type: 'cart',
          cart: { ...cart, total: 1000 },
        }),
      );
      assert.equal(wrongTotal.statusCode, 400);
      assert.equal(wrongTotal.param, 'cart[total]');
      const negative = await stripeError(
        stripe.terminal.readers.setReaderDisplay(reader.id, {
          type: 'cart',
          cart: { ...cart, line_items: [{ amount: -5, description: 'x', quantity: 1 }], total: -5 },
        }),
      );
      assert.equal(negative.statusCode, 400);
      const tooMany = await stripeError(
        stripe.terminal.readers.setReaderDisplay(reader.id, {
          type: 'cart',
          cart: {
            currency: 'eur',
            tax: 0,
            total: 101,
            line_items: Array.from({ length: 101 }, () => ({ amount: 1, description: 'x', quantity: 1 })),
          },
        }),
      );
      assert.equal(tooMany.statusCode, 400);
      const still = (await stripe.terminal.readers.retrieve(reader.id)) as Stripe.Terminal.Reader;
      assert.deepEqual(still.action?.set_reader_display?.cart, cart);
      assert.equal(((await stripe.terminal.readers.cancelAction(reader.id)) as Stripe.Terminal.Reader).action, null);
    });

    test('collect_inputs: succeed and timeout helpers; more than 5 inputs refused', async () => {
      const { stripe } = f;
      const reader = await f.reader();
      const inputs = [
        { type: 'email' as const, custom_text: { title: 'Email' }, required: true },
        {
          type: 'selection' as const,
          custom_text: { title: 'Size' },
          selection: {
            choices: [
              { id: 's', text: 'Small' },
              { id: 'l', text: 'Large' },
            ],
          },
        },
        {
          type: 'text' as const,
          custom_text: { title: 'Note' },
          toggles: [{ title: 'Newsletter', default_value: 'enabled' as const }],
        },
      ];
      const started = await stripe.terminal.readers.collectInputs(reader.id, { inputs, metadata: { order: '7' } });
      assert.equal(started.action?.status, 'in_progress');
      assert.equal(started.action?.collect_inputs?.inputs.length, 3);
      const done = await stripe.testHelpers.terminal.readers.succeedInputCollection(reader.id, {
        skip_non_required_inputs: 'none',
      });
      assert.equal(done.action?.status, 'succeeded');
      const [email, selection, note] = done.action!.collect_inputs!.inputs as Loose[];
      assert.equal(typeof email.email.value, 'string');
      assert.equal(selection.selection.id, 's');
      assert.equal(note.toggles[0].value, 'enabled');
      assert.deepEqual(done.action?.collect_inputs?.metadata, { order: '7' });

      await stripe.terminal.readers.collectInputs(reader.id, { inputs });
      const skipped = await stripe.testHelpers.terminal.readers.succeedInputCollection(reader.id, {
        skip_non_required_inputs: 'all',
      });
      assert.equal((skipped.action!.collect_inputs!.inputs[1] as Loose).skipped, true);

      await stripe.terminal.readers.collectInputs(reader.id, { inputs });
      const timedOut = await stripe.testHelpers.terminal.readers.timeoutInputCollection(reader.id);
      assert.equal(timedOut.action?.status, 'failed');

      const six = await stripeError(
        stripe.terminal.readers.collectInputs(reader.id, {
          inputs: Array.from({ length: 6 }, () => inputs[0]!),
        }),
      );
      assert.equal(six.statusCode, 400);
      assert.equal(six.param, 'inputs');
      assert.equal(
        ((await stripe.terminal.readers.retrieve(reader.id)) as Stripe.Terminal.Reader).action?.status,
        'failed',
      );
    });

    test('refund_payment: Interac and card refunds on the reader', async () => {
      const { stripe } = f;
      const reader = await f.reader();
      const interac = await f.paymentIntent({
        currency: 'cad',
        payment_method_types: ['interac_present'],
        capture_method: 'automatic',
        amount: 1500,
      });
      await stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: interac.id });
      const paid = await stripe.testHelpers.terminal.readers.presentPaymentMethod(reader.id);
      assert.equal(paid.action?.status, 'succeeded');
      const refunding = await stripe.terminal.readers.refundPayment(reader.id, {
        payment_intent: interac.id,
        amount: 500,
        refund_payment_config: { enable_customer_cancellation: false },
      });
      assert.equal(refunding.action?.type, 'refund_payment');
      assert.equal(refunding.action?.status, 'in_progress');
      assert.equal(refunding.action?.refund_payment?.amount, 500);
      const refunded = await stripe.testHelpers.terminal.readers.presentPaymentMethod(reader.id, {
        type: 'interac_present',
      });
      assert.equal(refunded.action?.status, 'succeeded');
      const refundId = refunded.action?.refund_payment?.refund as string;
      assert.match(refundId, /^re_/);
      assert.equal((await stripe.refunds.retrieve(refundId)).amount, 500);
      assert.equal((await eventsOf(stripe, 'terminal.reader.action_succeeded', reader.id)).length, 2);

      const card = await f.paymentIntent({ capture_method: 'automatic' });
      await stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: card.id });
      const cardPaid = await stripe.testHelpers.terminal.readers.presentPaymentMethod(reader.id);
      await stripe.terminal.readers.refundPayment(reader.id, {
        charge: (await stripe.paymentIntents.retrieve(card.id)).latest_charge as string,
      });
      const cardRefunded = await stripe.testHelpers.terminal.readers.presentPaymentMethod(reader.id);
      assert.equal(cardPaid.action?.status, 'succeeded');
      assert.equal(cardRefunded.action?.status, 'succeeded');
      const uncaptured = await f.paymentIntent();
      const noCharge = await stripeError(
        stripe.terminal.readers.refundPayment(reader.id, { payment_intent: uncaptured.id }),
      );
      assert.equal(noCharge.statusCode, 400);
      const tooMuch = await stripeError(
        stripe.terminal.readers.refundPayment(reader.id, { payment_intent: card.id, amount: 5000 }),
      );
      assert.equal(tooMuch.statusCode, 400);
    });

    test('reconciliation: uncaptured list, application fee changed before capture, tip captured on receipt', async () => {
      const { stripe } = f;
      const reader = await f.reader();
      // An application fee is a Connect fee: here a destination charge (docs/connect.md).
      const shop = await stripe.accounts.create({ type: 'express' });
      const paymentIntent = await f.paymentIntent({
        currency: 'usd',
        amount: 4000,
        application_fee_amount: 100,
        transfer_data: { destination: shop.id },
      });
      await stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: paymentIntent.id });
      await stripe.testHelpers.terminal.readers.presentPaymentMethod(reader.id);
      const uncaptured = (await listAll(stripe.paymentIntents.list({ limit: 100 }))).filter(
        (pi) => pi.status === 'requires_capture',
      );
      assert.ok(uncaptured.some((pi) => pi.id === paymentIntent.id));
      const fee = await stripe.paymentIntents.update(paymentIntent.id, { application_fee_amount: 200 });
      assert.equal(fee.application_fee_amount, 200);
      const captured = await stripe.paymentIntents.capture(paymentIntent.id, { amount_to_capture: 4500 });
      assert.equal(captured.status, 'succeeded');
      assert.equal(captured.amount_received, 4500);
      const charge = await stripe.charges.retrieve(String(captured.latest_charge), {
        expand: ['application_fee', 'transfer'],
      });
      assert.equal((charge.application_fee as Stripe.ApplicationFee).amount, 200, 'the fee as changed before capture');
      assert.equal((charge.transfer as Stripe.Transfer).amount, 4500, 'the captured amount, tip included');
    });
  });
}
