/**
 * PaymentIntents and PaymentMethods end to end, through the official stripe-node client and the
 * curl forms, on SQLite and on PostgreSQL.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type Stripe from 'stripe';
import {
  assertError,
  authorizedIntent,
  createIntent,
  listAll,
  presentCard,
  presentCardOk,
  raw,
  readCard,
  rejectsStripe,
  stores,
  stripeFor,
  useServer,
} from './helpers.js';

for (const store of stores) {
  describe(`PaymentIntents (${store})`, () => {
    const h = useServer(store, `e2e_pi_${store}`);

    describe('create / retrieve / update', () => {
      it('creates with stripe-node exactly as the issue shows', async () => {
        const pi = await createIntent(h, {
          amount: 1000,
          currency: 'eur',
          payment_method_types: ['card_present'],
          capture_method: 'manual',
        });
        assert.match(pi.id, /^pi_/);
        assert.equal(pi.object, 'payment_intent');
        assert.equal(pi.amount, 1000);
        assert.equal(pi.currency, 'eur');
        assert.equal(pi.status, 'requires_payment_method');
        assert.equal(pi.capture_method, 'manual');
        assert.deepEqual(pi.payment_method_types, ['card_present']);
        assert.equal(pi.amount_capturable, 0);
        assert.equal(pi.amount_received, 0);
        assert.equal(pi.latest_charge, null);
        assert.equal(pi.livemode, false);
        assert.deepEqual(pi.metadata, {});
        assert.match(pi.client_secret ?? '', new RegExp(`^${pi.id}_secret_`));
        assert.ok(Math.abs(pi.created - Date.now() / 1000) < 60, 'created is in unix seconds');
        assert.ok(!('_internal' in pi));
        assert.match(pi.lastResponse.requestId, /^req_/);
        const again = await h.stripe.paymentIntents.retrieve(pi.id);
        assert.deepEqual({ ...again, lastResponse: undefined }, { ...pi, lastResponse: undefined });
      });

      it('creates with curl forms: Basic auth and payment_method_types[]=card_present', async () => {
        const response = await h.api('POST', '/v1/payment_intents', {
          auth: 'basic',
          form:
            'amount=1000&currency=usd&payment_method_types[]=card_present&payment_method_types[]=interac_present' +
            '&capture_method=manual&payment_method_options[card_present][request_incremental_authorization_support]=true',
        });
        assert.equal(response.status, 200, response.text);
        assert.deepEqual(response.body.payment_method_types, ['card_present', 'interac_present']);
        assert.equal(response.body.payment_method_options.card_present.request_incremental_authorization_support, true);
        assert.deepEqual(response.body.payment_method_options.interac_present, {});
        assert.equal(response.headers.get('content-type')?.split(';')[0], 'application/json');
      });

      it("accepts stripe-node 23's typed allowed_payment_method_types", async () => {
        const pi = await h.stripe.paymentIntents.create({
          amount: 1000,
          currency: 'cad',
          allowed_payment_method_types: ['card_present', 'interac_present'],
        });
        assert.deepEqual(pi.payment_method_types, ['card_present', 'interac_present']);
        assert.deepEqual(pi.allowed_payment_method_types, ['card_present', 'interac_present']);
        const updated = await h.stripe.paymentIntents.update(pi.id, {
          allowed_payment_method_types: ['interac_present'],
        });
        assert.deepEqual(updated.payment_method_types, ['interac_present']);
        assert.equal((await presentCardOk(h, pi.id)).payment_method_types[0], 'interac_present');
        const plain = await createIntent(h, { amount: 1000, currency: 'usd', payment_method_types: ['card_present'] });
        assert.equal(plain.allowed_payment_method_types, null);
        await rejectsStripe(
          createIntent(h, {
            amount: 1000,
            currency: 'usd',
            payment_method_types: ['card_present'],
            allowed_payment_method_types: ['card_present'],
          }),
          { statusCode: 400, code: 'parameters_exclusive' },
        );
      });

      it('creates with a JSON body', async () => {
        const response = await h.api('POST', '/v1/payment_intents', {
          json: { amount: 2000, currency: 'usd', payment_method_types: ['card_present'], metadata: { order: 42 } },
        });
        assert.equal(response.status, 200, response.text);
        assert.equal(response.body.amount, 2000);
        assert.deepEqual(response.body.metadata, { order: '42' });
      });

      it('updates amount, description and metadata; unsets with empty values', async () => {
        const pi = await createIntent(h, {
          amount: 1000,
          currency: 'usd',
          payment_method_types: ['card_present'],
          description: 'first',
          metadata: { a: '1', b: '2' },
        });
        const updated = await h.stripe.paymentIntents.update(pi.id, {
          amount: 1500,
          description: '',
          metadata: { a: '', c: '3' },
        });
        assert.equal(updated.amount, 1500);
        assert.equal(updated.description, null);
        assert.deepEqual(updated.metadata, { b: '2', c: '3' });
        const cleared = await h.stripe.paymentIntents.update(pi.id, { metadata: '' });
        assert.deepEqual(cleared.metadata, {});
      });

      it('retrieves an unknown id → 404 resource_missing', async () => {
        await rejectsStripe(h.stripe.paymentIntents.retrieve('pi_doesnotexist'), {
          statusCode: 404,
          type: 'StripeInvalidRequestError',
          code: 'resource_missing',
          param: 'intent',
          message: "No such payment_intent: 'pi_doesnotexist'",
        });
      });

      it('an id of another type → resource_missing', async () => {
        const pm = await readCard(h);
        await rejectsStripe(h.stripe.paymentIntents.retrieve(pm.id), { statusCode: 404, code: 'resource_missing' });
      });
    });

    describe('list', () => {
      it('paginates with limit, starting_after, ending_before and has_more, newest first', async () => {
        // Fresh objects tagged by a customer so other tests' intents do not interfere.
        const customer = (await h.stripe.customers.create({ description: 'list' })).id;
        const ids: string[] = [];
        for (let i = 0; i < 7; i += 1) {
          ids.push(
            (
              await createIntent(h, {
                amount: 1000 + i,
                currency: 'usd',
                payment_method_types: ['card_present'],
                customer,
              })
            ).id,
          );
        }
        const newestFirst = [...ids].reverse();
        const page1 = await h.stripe.paymentIntents.list({ customer, limit: 3 });
        assert.equal(page1.object, 'list');
        assert.equal(page1.url, '/v1/payment_intents');
        assert.equal(page1.has_more, true);
        assert.deepEqual(
          page1.data.map((p) => p.id),
          newestFirst.slice(0, 3),
        );
        const page2 = await h.stripe.paymentIntents.list({ customer, limit: 3, starting_after: page1.data[2]!.id });
        assert.deepEqual(
          page2.data.map((p) => p.id),
          newestFirst.slice(3, 6),
        );
        assert.equal(page2.has_more, true);
        const page3 = await h.stripe.paymentIntents.list({ customer, limit: 3, starting_after: page2.data[2]!.id });
        assert.deepEqual(
          page3.data.map((p) => p.id),
          newestFirst.slice(6),
        );
        assert.equal(page3.has_more, false);
        const back = await h.stripe.paymentIntents.list({ customer, limit: 2, ending_before: page3.data[0]!.id });
        assert.deepEqual(
          back.data.map((p) => p.id),
          newestFirst.slice(4, 6),
        );
        assert.equal(back.has_more, true);
        const all: string[] = [];
        for await (const pi of h.stripe.paymentIntents.list({ customer, limit: 2 })) all.push(pi.id);
        assert.deepEqual(all, newestFirst, 'stripe-node auto-pagination walks every page once');
        const defaults = await h.stripe.paymentIntents.list({ customer });
        assert.equal(defaults.data.length, 7);
        // Raw query strings, as curl sends them.
        const rawPage = await h.api('GET', `/v1/payment_intents?customer=${customer}&limit=1&starting_after=${ids[3]}`);
        assert.equal(rawPage.status, 200, rawPage.text);
        assert.deepEqual(
          rawPage.body.data.map((p: { id: string }) => p.id),
          [ids[2]],
        );
      });

      it('filters by created and expands data.latest_charge', async () => {
        const customer = (await h.stripe.customers.create({ description: 'created' })).id;
        const authorized = await authorizedIntent(h, { customer });
        const created = authorized.created;
        const page = await h.stripe.paymentIntents.list({
          customer,
          created: { gte: created },
          expand: ['data.latest_charge'],
        });
        assert.equal(page.data.length, 1);
        const charge = page.data[0]!.latest_charge as Stripe.Charge;
        assert.equal(typeof charge, 'object');
        assert.equal(charge.object, 'charge');
        assert.equal(charge.id, authorized.latest_charge);
        assert.equal((await h.stripe.paymentIntents.list({ customer, created: { gt: created } })).data.length, 0);
        assert.equal((await h.stripe.paymentIntents.list({ customer, created: { lt: created } })).data.length, 0);
        assert.equal((await h.stripe.paymentIntents.list({ customer, created: { lte: created } })).data.length, 1);
        assert.equal((await h.stripe.paymentIntents.list({ customer, created })).data.length, 1);
      });

      it('expand on a single object and bad expansions', async () => {
        const pi = await authorizedIntent(h);
        const expanded = await h.stripe.paymentIntents.retrieve(pi.id, { expand: ['latest_charge', 'payment_method'] });
        assert.equal((expanded.latest_charge as Stripe.Charge).object, 'charge');
        assert.equal((expanded.payment_method as Stripe.PaymentMethod).object, 'payment_method');
        await rejectsStripe(h.stripe.paymentIntents.retrieve(pi.id, { expand: ['nonsense'] }), {
          statusCode: 400,
          param: 'expand',
        });
        await rejectsStripe(h.stripe.paymentIntents.list({ expand: ['latest_charge'] }), {
          statusCode: 400,
          param: 'expand',
        });
      });

      it('bad list parameters', async () => {
        for (const query of ['limit=0', 'limit=101', 'limit=x', 'created[after]=1', 'bogus=1']) {
          assertError(await h.api('GET', `/v1/payment_intents?${query}`), 400, { type: 'invalid_request_error' });
        }
        await rejectsStripe(h.stripe.paymentIntents.list({ starting_after: 'pi_unknown' }), {
          statusCode: 404,
          code: 'resource_missing',
          param: 'starting_after',
          message: "No such payment_intent: 'pi_unknown'",
        });
      });
    });

    describe('confirm, capture, cancel', () => {
      it('present_card on a manual PI → requires_capture, then capture → succeeded', async () => {
        const pi = await createIntent(h, {
          amount: 1000,
          currency: 'usd',
          payment_method_types: ['card_present'],
          capture_method: 'manual',
        });
        const authorized = await presentCardOk(h, pi.id, { number: '4242424242424242' });
        assert.equal(authorized.status, 'requires_capture');
        assert.equal(authorized.amount_capturable, 1000);
        assert.match(String(authorized.latest_charge), /^ch_/);
        assert.match(String(authorized.payment_method), /^pm_/);
        const charge = await h.stripe.charges.retrieve(String(authorized.latest_charge));
        assert.equal(charge.captured, false);
        assert.equal(charge.paid, true);
        assert.equal(charge.status, 'succeeded');
        const details = charge.payment_method_details!.card_present!;
        assert.equal(details.brand, 'visa');
        assert.equal(details.last4, '4242');
        assert.equal(details.amount_authorized, 1000);
        assert.ok(typeof details.capture_before === 'number' && details.capture_before > charge.created);
        assert.ok(details.receipt);
        assert.ok(!JSON.stringify(charge).includes('4242424242424242'), 'the full card number is never echoed');
        const captured = await h.stripe.paymentIntents.capture(pi.id);
        assert.equal(captured.status, 'succeeded');
        assert.equal(captured.amount_received, 1000);
        assert.equal(captured.amount_capturable, 0);
        const capturedCharge = await h.stripe.charges.retrieve(String(authorized.latest_charge));
        assert.equal(capturedCharge.captured, true);
        assert.equal(capturedCharge.amount_captured, 1000);
        // Capture again → unexpected state, carrying the PaymentIntent.
        const error = await rejectsStripe(h.stripe.paymentIntents.capture(pi.id), {
          statusCode: 400,
          code: 'payment_intent_unexpected_state',
          message:
            'This PaymentIntent could not be captured because it has a status of succeeded. Only a PaymentIntent ' +
            'with one of the following statuses may be captured: requires_capture.',
        });
        assert.equal(error.payment_intent.id, pi.id);
        // And cancel is refused on a succeeded PaymentIntent.
        await rejectsStripe(h.stripe.paymentIntents.cancel(pi.id), {
          statusCode: 400,
          code: 'payment_intent_unexpected_state',
          message:
            'You cannot cancel this PaymentIntent because it has a status of succeeded. Only a PaymentIntent with ' +
            'one of the following statuses may be canceled: requires_payment_method, requires_capture, ' +
            'requires_confirmation, requires_action.',
        });
      });

      it('automatic capture → succeeded at once', async () => {
        const pi = await createIntent(h, { amount: 1000, currency: 'usd', payment_method_types: ['card_present'] });
        const done = await presentCardOk(h, pi.id);
        assert.equal(done.status, 'succeeded');
        assert.equal(done.amount_received, 1000);
        const charge = await h.stripe.charges.retrieve(String(done.latest_charge));
        assert.equal(charge.captured, true);
      });

      it('payment_method_options[card_present][capture_method]=manual overrides capture_method=automatic', async () => {
        const pi = await createIntent(h, {
          amount: 1000,
          currency: 'usd',
          payment_method_types: ['card_present'],
          capture_method: 'automatic',
          payment_method_options: { card_present: { capture_method: 'manual' } },
        });
        assert.equal(pi.payment_method_options?.card_present?.capture_method, 'manual');
        assert.equal((await presentCardOk(h, pi.id)).status, 'requires_capture');
      });

      it('payment_method_options set and unset on update, and at confirm', async () => {
        const pi = await createIntent(h, { amount: 1000, currency: 'usd', payment_method_types: ['card_present'] });
        const manual = await h.stripe.paymentIntents.update(pi.id, {
          payment_method_options: {
            card_present: { capture_method: 'manual', request_incremental_authorization_support: true },
          },
        });
        assert.equal(manual.payment_method_options?.card_present?.capture_method, 'manual');
        const unset = await h.api('POST', `/v1/payment_intents/${pi.id}`, {
          form: 'payment_method_options[card_present][capture_method]=',
        });
        assert.equal(unset.status, 200, unset.text);
        assert.equal(unset.body.payment_method_options.card_present.capture_method, undefined);
        assert.equal(unset.body.payment_method_options.card_present.request_incremental_authorization_support, true);
        const pm = await readCard(h);
        const confirmed = await h.stripe.paymentIntents.confirm(pi.id, {
          payment_method: pm.id,
          payment_method_options: { card_present: { capture_method: 'manual' } },
        });
        assert.equal(confirmed.status, 'requires_capture');
        const charge = await h.stripe.charges.retrieve(String(confirmed.latest_charge));
        assert.equal(charge.payment_method_details?.card_present?.incremental_authorization_supported, true);
      });

      it('confirm with a PaymentMethod from the card-read endpoint', async () => {
        const pm = await readCard(h, { number: '5555555555554444', read_method: 'contact_emv' });
        assert.match(pm.id, /^pm_/);
        assert.equal(pm.type, 'card_present');
        assert.equal(pm.card_present?.brand, 'mastercard');
        assert.equal(pm.card_present?.last4, '4444');
        assert.equal(pm.card_present?.read_method, 'contact_emv');
        const pi = await createIntent(h, {
          amount: 1000,
          currency: 'usd',
          payment_method_types: ['card_present'],
          capture_method: 'manual',
        });
        const confirmed = await h.stripe.paymentIntents.confirm(pi.id, { payment_method: pm.id });
        assert.equal(confirmed.status, 'requires_capture');
        assert.equal(confirmed.payment_method, pm.id);
        // Confirm again → already succeeded.
        await rejectsStripe(h.stripe.paymentIntents.confirm(pi.id, { payment_method: pm.id }), {
          statusCode: 400,
          code: 'payment_intent_unexpected_state',
        });
      });

      it('update with a payment_method then confirm without one; confirm with none → error', async () => {
        const pm = await readCard(h);
        const pi = await createIntent(h, { amount: 1000, currency: 'usd', payment_method_types: ['card_present'] });
        await rejectsStripe(h.stripe.paymentIntents.confirm(pi.id), {
          statusCode: 400,
          code: 'payment_intent_unexpected_state',
          param: 'payment_method',
        });
        const withPm = await h.stripe.paymentIntents.update(pi.id, { payment_method: pm.id });
        assert.equal(withPm.status, 'requires_confirmation');
        assert.equal((await h.stripe.paymentIntents.confirm(pi.id)).status, 'succeeded');
        await rejectsStripe(
          h.stripe.paymentIntents.confirm((await createIntent(h, { amount: 1000, currency: 'usd' })).id, {
            payment_method: 'pm_missing',
          }),
          { statusCode: 404, code: 'resource_missing', param: 'payment_method' },
        );
      });

      it('create with confirm=true and a payment_method', async () => {
        const pm = await readCard(h);
        const pi = await createIntent(h, {
          amount: 1000,
          currency: 'usd',
          payment_method_types: ['card_present'],
          payment_method: pm.id,
          confirm: true,
        });
        assert.equal(pi.status, 'succeeded');
      });

      it('an interac_present PaymentMethod on a card_present-only PaymentIntent → incompatible', async () => {
        const pm = await readCard(h, { type: 'interac_present', number: '4506445006931933' });
        assert.equal(pm.type, 'interac_present');
        const pi = await createIntent(h, { amount: 1000, currency: 'cad', payment_method_types: ['card_present'] });
        await rejectsStripe(h.stripe.paymentIntents.confirm(pi.id, { payment_method: pm.id }), {
          statusCode: 400,
          code: 'payment_intent_incompatible_payment_method',
        });
        const interac = await createIntent(h, {
          amount: 1000,
          currency: 'cad',
          payment_method_types: ['interac_present'],
        });
        assert.equal((await presentCardOk(h, interac.id)).status, 'succeeded');
      });

      it('final_capture=false (multicapture) is refused', async () => {
        const pi = await authorizedIntent(h);
        await rejectsStripe(h.stripe.paymentIntents.capture(pi.id, { final_capture: false }), {
          statusCode: 400,
          param: 'final_capture',
        });
        assert.equal((await h.stripe.paymentIntents.retrieve(pi.id)).status, 'requires_capture');
      });

      it('Interac outside CAD is declined by the network', async () => {
        const pi = await createIntent(h, { amount: 1000, currency: 'usd', payment_method_types: ['interac_present'] });
        assertError(await presentCard(h, pi.id), 402, {
          code: 'card_declined',
          decline_code: 'currency_not_supported',
        });
      });

      it('partial capture releases the rest', async () => {
        const pi = await authorizedIntent(h, { amount: 1000 });
        const captured = await h.stripe.paymentIntents.capture(pi.id, { amount_to_capture: 700 });
        assert.equal(captured.amount_received, 700);
        const charge = await h.stripe.charges.retrieve(String(pi.latest_charge));
        assert.equal(charge.amount_captured, 700);
        assert.equal(charge.amount_refunded, 300);
        assert.equal(charge.refunded, false);
      });

      it('capture more than authorized without overcapture → 400; overcapture within and over the limit', async () => {
        // eur: no overcapture.
        const eur = await authorizedIntent(h, { currency: 'eur' });
        await rejectsStripe(h.stripe.paymentIntents.capture(eur.id, { amount_to_capture: 1001 }), {
          statusCode: 400,
          code: 'amount_too_large',
          param: 'amount_to_capture',
        });
        assert.equal((await h.stripe.paymentIntents.retrieve(eur.id)).status, 'requires_capture', 'nothing changed');
        // usd Visa: overcapture up to max(50%, 50 USD) → 1000 + 5000.
        const usd = await authorizedIntent(h, { currency: 'usd' });
        const charge = await h.stripe.charges.retrieve(String(usd.latest_charge));
        assert.equal(charge.payment_method_details?.card_present?.overcapture_supported, true);
        await rejectsStripe(h.stripe.paymentIntents.capture(usd.id, { amount_to_capture: 6001 }), {
          statusCode: 400,
          code: 'amount_too_large',
        });
        const captured = await h.stripe.paymentIntents.capture(usd.id, { amount_to_capture: 6000 });
        assert.equal(captured.amount, 6000);
        assert.equal(captured.amount_received, 6000);
        const after = await h.stripe.charges.retrieve(String(usd.latest_charge));
        assert.equal(after.amount_captured, 6000);
        assert.equal(after.payment_method_details?.card_present?.amount_authorized, 1000);
      });

      it('capture and cancel in every wrong state', async () => {
        const fresh = await createIntent(h, { amount: 1000, currency: 'usd' });
        await rejectsStripe(h.stripe.paymentIntents.capture(fresh.id), {
          statusCode: 400,
          code: 'payment_intent_unexpected_state',
          message: /could not be captured because it has a status of requires_payment_method/,
        });
        const canceled = await h.stripe.paymentIntents.cancel(fresh.id, { cancellation_reason: 'abandoned' });
        assert.equal(canceled.status, 'canceled');
        assert.equal(canceled.cancellation_reason, 'abandoned');
        assert.ok(typeof canceled.canceled_at === 'number');
        await rejectsStripe(h.stripe.paymentIntents.cancel(fresh.id), {
          statusCode: 400,
          code: 'payment_intent_unexpected_state',
          message: /because it has a status of canceled/,
        });
        await rejectsStripe(h.stripe.paymentIntents.capture(fresh.id), {
          statusCode: 400,
          code: 'payment_intent_unexpected_state',
        });
        await rejectsStripe(h.stripe.paymentIntents.update(fresh.id, { amount: 2000 }), {
          statusCode: 400,
          code: 'payment_intent_unexpected_state',
          param: 'amount',
        });
        const presented = await presentCard(h, fresh.id);
        assertError(presented, 400, {
          code: 'intent_invalid_state',
          message: 'Payment intent must be in the requires_payment_method state to be processed by a reader.',
        });
        await rejectsStripe(h.stripe.paymentIntents.cancel(fresh.id, { cancellation_reason: 'bogus' as 'abandoned' }), {
          statusCode: 400,
          param: 'cancellation_reason',
        });
      });

      it('cancel from requires_confirmation and from requires_capture (releasing the authorization)', async () => {
        const pm = await readCard(h);
        const pending = await createIntent(h, { amount: 1000, currency: 'usd', payment_method: pm.id });
        assert.equal(pending.status, 'requires_confirmation');
        assert.equal((await h.stripe.paymentIntents.cancel(pending.id)).status, 'canceled');
        const authorized = await authorizedIntent(h);
        const canceled = await h.stripe.paymentIntents.cancel(authorized.id, {
          cancellation_reason: 'requested_by_customer',
        });
        assert.equal(canceled.status, 'canceled');
        assert.equal(canceled.amount_capturable, 0);
        const charge = await h.stripe.charges.retrieve(String(authorized.latest_charge));
        assert.equal(charge.refunded, true);
        assert.equal(charge.amount_refunded, 1000);
        assert.equal(charge.captured, false);
      });
    });

    describe('incremental authorization', () => {
      it('increments when supported, refuses when not, and stops after 10 attempts', async () => {
        const pi = await authorizedIntent(h, {
          payment_method_options: { card_present: { request_incremental_authorization_support: true } },
        });
        const charge = await h.stripe.charges.retrieve(String(pi.latest_charge));
        assert.equal(charge.payment_method_details?.card_present?.incremental_authorization_supported, true);
        const incremented = await h.stripe.paymentIntents.incrementAuthorization(pi.id, { amount: 1500 });
        assert.equal(incremented.amount, 1500);
        assert.equal(incremented.amount_capturable, 1500);
        await rejectsStripe(h.stripe.paymentIntents.incrementAuthorization(pi.id, { amount: 1500 }), {
          statusCode: 400,
          param: 'amount',
        });
        // A declined increment (amount ending 05): 402, PaymentIntent unchanged.
        await rejectsStripe(h.stripe.paymentIntents.incrementAuthorization(pi.id, { amount: 1605 }), {
          statusCode: 402,
          code: 'card_declined',
          decline_code: 'generic_decline',
        });
        assert.equal((await h.stripe.paymentIntents.retrieve(pi.id)).amount, 1500);
        // Attempts so far: 1 approved, 1 declined (the too-small one was refused before counting).
        let amount = 1500;
        for (let attempt = 3; attempt <= 10; attempt += 1) {
          amount += 100;
          await h.stripe.paymentIntents.incrementAuthorization(pi.id, { amount });
        }
        await rejectsStripe(h.stripe.paymentIntents.incrementAuthorization(pi.id, { amount: amount + 100 }), {
          statusCode: 400,
          code: 'payment_intent_amount_reached_limit',
        });
        const captured = await h.stripe.paymentIntents.capture(pi.id);
        assert.equal(captured.amount_received, amount);
        await rejectsStripe(h.stripe.paymentIntents.incrementAuthorization(pi.id, { amount: amount + 100 }), {
          statusCode: 400,
          code: 'payment_intent_unexpected_state',
        });
        const unsupported = await authorizedIntent(h);
        await rejectsStripe(h.stripe.paymentIntents.incrementAuthorization(unsupported.id, { amount: 2000 }), {
          statusCode: 400,
          code: 'incremental_authorization_not_supported',
        });
      });
    });

    describe('test cards and amounts', () => {
      const declines: [string, Record<string, unknown>, number, string, string | undefined][] = [
        ['charge_declined', { number: '4000000000000002' }, 1000, 'card_declined', 'generic_decline'],
        ['insufficient funds', { number: '4000000000009995' }, 1000, 'card_declined', 'insufficient_funds'],
        ['lost card', { number: '4000000000009987' }, 1000, 'card_declined', 'lost_card'],
        ['stolen card', { number: '4000000000009979' }, 1000, 'card_declined', 'stolen_card'],
        ['expired card', { number: '4000000000000069' }, 1000, 'expired_card', 'expired_card'],
        ['processing error', { number: '4000000000000119' }, 1000, 'processing_error', undefined],
        ['amount ending 01', {}, 1001, 'card_declined', 'call_issuer'],
        ['amount ending 05', {}, 1005, 'card_declined', 'generic_decline'],
        ['amount ending 55', {}, 1055, 'incorrect_pin', 'incorrect_pin'],
        ['amount ending 65', {}, 1065, 'card_declined', 'withdrawal_count_limit_exceeded'],
        ['amount ending 75', {}, 1075, 'card_declined', 'pin_try_exceeded'],
      ];
      for (const [label, card, amount, code, declineCode] of declines) {
        it(`${label} → 402 ${code}${declineCode ? `/${declineCode}` : ''}, PI back in requires_payment_method`, async () => {
          const pi = await createIntent(h, { amount, currency: 'usd', payment_method_types: ['card_present'] });
          const response = await presentCard(h, pi.id, card);
          const error = assertError(response, 402, { type: 'card_error', code });
          assert.equal(error.decline_code, declineCode);
          assert.equal(error.payment_intent.id, pi.id);
          assert.equal(error.payment_intent.status, 'requires_payment_method');
          assert.match(error.charge, /^ch_/);
          const after = await h.stripe.paymentIntents.retrieve(pi.id);
          assert.equal(after.status, 'requires_payment_method');
          assert.equal(after.last_payment_error?.code, code);
          assert.equal(after.last_payment_error?.decline_code, declineCode);
          assert.equal(after.latest_charge, error.charge);
          const charge = await h.stripe.charges.retrieve(error.charge);
          assert.equal(charge.status, 'failed');
          assert.equal(charge.failure_code, code);
          // The same PaymentIntent takes the next card (a test amount keeps declining, so only cards are retried).
          if (Object.keys(card).length > 0) {
            const retried = await presentCardOk(h, pi.id, { number: '4242424242424242' });
            assert.equal(retried.status, 'succeeded');
            assert.equal(retried.last_payment_error, null);
          }
        });
      }

      it('stripe-node sees a decline as StripeCardError with decline_code', async () => {
        const pm = await readCard(h, { number: '4000000000009995' });
        const pi = await createIntent(h, { amount: 1000, currency: 'usd' });
        await rejectsStripe(h.stripe.paymentIntents.confirm(pi.id, { payment_method: pm.id }), {
          type: 'StripeCardError',
          statusCode: 402,
          code: 'card_declined',
          decline_code: 'insufficient_funds',
          message: 'Your card has insufficient funds.',
        });
      });

      it('amount ending 02: declined offline_pin_required, then the PIN 1234 completes it', async () => {
        const pi = await createIntent(h, { amount: 1002, currency: 'usd', capture_method: 'manual' });
        const first = await presentCard(h, pi.id, { read_method: 'contact_emv' });
        assertError(first, 402, { code: 'card_declined', decline_code: 'offline_pin_required' });
        const wrong = await presentCard(h, pi.id, { read_method: 'contact_emv', pin: '9999' });
        assertError(wrong, 402, { code: 'incorrect_pin' });
        const ok = await presentCardOk(h, pi.id, { read_method: 'contact_emv', pin: '1234' });
        assert.equal(ok.status, 'requires_capture');
        const charge = await h.stripe.charges.retrieve(String(ok.latest_charge));
        assert.equal(
          charge.payment_method_details?.card_present?.receipt?.cardholder_verification_method,
          'offline_pin',
        );
      });

      it('amount ending 03: any 4-digit PIN', async () => {
        const pi = await createIntent(h, { amount: 1003, currency: 'usd' });
        assertError(await presentCard(h, pi.id), 402, { decline_code: 'online_or_offline_pin_required' });
        assert.equal((await presentCardOk(h, pi.id, { pin: '4321' })).status, 'succeeded');
      });

      it('brands and read methods of the standard test cards', async () => {
        for (const [number, brand, funding] of [
          ['4000056655665556', 'visa', 'debit'],
          ['5200828282828210', 'mastercard', 'debit'],
          ['5105105105105100', 'mastercard', 'prepaid'],
          ['378282246310005', 'amex', 'credit'],
          ['6011111111111117', 'discover', 'credit'],
        ] as const) {
          const pm = await readCard(h, { number, wallet: 'apple_pay' });
          assert.equal(pm.card_present?.brand, brand, number);
          assert.equal(pm.card_present?.funding, funding, number);
          assert.equal(pm.card_present?.wallet?.type, 'apple_pay');
          assert.equal(pm.card_present?.read_method, 'contactless_emv');
        }
      });

      it('an on-reader tip raises the authorized amount', async () => {
        const pi = await createIntent(h, { amount: 1000, currency: 'usd' });
        const done = await presentCardOk(h, pi.id, { amount_tip: 200 });
        assert.equal(done.amount, 1200);
        assert.equal(done.amount_received, 1200);
        assert.equal(done.amount_details?.tip?.amount, 200);
      });

      it('bad card reads', async () => {
        assertError(
          await h.api('POST', '/opentill/v1/test/payment_methods', { form: { number: '4242424242424241' } }),
          402,
          { code: 'incorrect_number' },
        );
        assertError(await h.api('POST', '/opentill/v1/test/payment_methods', { form: { number: 'abcd' } }), 400, {
          param: 'number',
        });
        assertError(
          await h.api('POST', '/opentill/v1/test/payment_methods', { form: { read_method: 'telepathy' } }),
          400,
          { param: 'read_method' },
        );
      });
    });

    describe('PaymentMethods', () => {
      it('retrieve and list by type', async () => {
        const pm = await readCard(h, { number: '6011111111111117', exp_month: 3, exp_year: 2031 });
        const got = await h.stripe.paymentMethods.retrieve(pm.id);
        assert.equal(got.id, pm.id);
        assert.equal(got.card_present?.exp_month, 3);
        assert.equal(got.card_present?.exp_year, 2031);
        assert.ok(got.card_present?.fingerprint);
        const again = await readCard(h, { number: '6011111111111117' });
        assert.equal(again.card_present?.fingerprint, got.card_present?.fingerprint, 'fingerprint stable per card');
        const list = await h.stripe.paymentMethods.list({ type: 'card_present', limit: 2 });
        assert.equal(list.object, 'list');
        assert.equal(list.url, '/v1/payment_methods');
        assert.deepEqual(
          list.data.map((p) => p.id),
          [again.id, pm.id],
        );
        assert.equal(list.has_more, true);
        for (const p of await listAll(h.stripe.paymentMethods.list({ type: 'card_present', limit: 100 }))) {
          assert.equal(p.type, 'card_present');
        }
        await rejectsStripe(h.stripe.paymentMethods.retrieve('pm_missing'), {
          statusCode: 404,
          code: 'resource_missing',
        });
      });
    });

    describe('publishable key', () => {
      it('retrieves a PaymentIntent with its client_secret, and nothing else', async () => {
        const pi = await createIntent(h, { amount: 1000, currency: 'usd' });
        const pk = stripeFor(h.server, h.server.publishableKey);
        const got = await pk.paymentIntents.retrieve(pi.id, { client_secret: pi.client_secret! });
        assert.equal(got.id, pi.id);
        await rejectsStripe(pk.paymentIntents.retrieve(pi.id, { client_secret: `${pi.id}_secret_wrong` }), {
          statusCode: 404,
        });
        await rejectsStripe(pk.paymentIntents.retrieve(pi.id), { statusCode: 400, param: 'client_secret' });
        const secretKeyRequired = { statusCode: 401, code: 'secret_key_required' };
        await rejectsStripe(pk.paymentIntents.create({ amount: 1000, currency: 'usd' }), secretKeyRequired);
        await rejectsStripe(pk.paymentIntents.update(pi.id, { description: 'x' }), secretKeyRequired);
        await rejectsStripe(pk.paymentIntents.list(), secretKeyRequired);
        await rejectsStripe(pk.paymentIntents.cancel(pi.id), secretKeyRequired);
        await rejectsStripe(pk.paymentIntents.capture(pi.id), secretKeyRequired);
        await rejectsStripe(pk.paymentIntents.confirm(pi.id), secretKeyRequired);
        await rejectsStripe(pk.paymentIntents.incrementAuthorization(pi.id, { amount: 2000 }), secretKeyRequired);
        await rejectsStripe(pk.paymentMethods.list(), secretKeyRequired);
        await rejectsStripe(pk.paymentMethods.retrieve('pm_x'), secretKeyRequired);
        await rejectsStripe(pk.charges.list(), secretKeyRequired);
        await rejectsStripe(pk.charges.retrieve('ch_x'), secretKeyRequired);
        await rejectsStripe(pk.charges.update('ch_x', {}), secretKeyRequired);
        await rejectsStripe(pk.refunds.create({ payment_intent: pi.id }), secretKeyRequired);
        await rejectsStripe(pk.refunds.list(), secretKeyRequired);
        await rejectsStripe(pk.refunds.retrieve('re_x'), secretKeyRequired);
        await rejectsStripe(pk.refunds.update('re_x', {}), secretKeyRequired);
        await rejectsStripe(pk.refunds.cancel('re_x'), secretKeyRequired);
        await rejectsStripe(pk.events.list(), secretKeyRequired);
        await rejectsStripe(pk.events.retrieve('evt_x'), secretKeyRequired);
        for (const [method, path] of [
          ['POST', '/opentill/v1/test/payment_methods'],
          ['POST', `/opentill/v1/test/payment_intents/${pi.id}/present_card`],
          ['GET', '/opentill/v1/test/clock'],
          ['POST', '/opentill/v1/test/clock/advance'],
        ] as const) {
          assertError(
            await raw(h.server, method, path, {
              key: h.server.publishableKey,
              form: method === 'POST' ? {} : undefined,
            }),
            401,
            { code: 'secret_key_required' },
          );
        }
        assert.equal(
          (await h.stripe.paymentIntents.retrieve(pi.id)).status,
          'requires_payment_method',
          'nothing changed',
        );
      });
    });

    describe('metadata', () => {
      it('limits: 50 keys, 40-character keys, 500-character values', async () => {
        const fifty = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`key${i}`, `v${i}`]));
        const pi = await createIntent(h, { amount: 1000, currency: 'usd', metadata: fifty });
        assert.equal(Object.keys(pi.metadata).length, 50);
        await rejectsStripe(h.stripe.paymentIntents.update(pi.id, { metadata: { one_more: 'x' } }), {
          statusCode: 400,
          param: 'metadata',
        });
        const swapped = await h.stripe.paymentIntents.update(pi.id, { metadata: { key0: '', one_more: 'x' } });
        assert.equal(Object.keys(swapped.metadata).length, 50);
        assert.equal(swapped.metadata['one_more'], 'x');
        const long = await createIntent(h, {
          amount: 1000,
          currency: 'usd',
          metadata: { ['k'.repeat(40)]: 'v'.repeat(500), 0: 'numeric key' },
        });
        assert.equal(long.metadata['k'.repeat(40)], 'v'.repeat(500));
        assert.equal(long.metadata['0'], 'numeric key');
        await rejectsStripe(createIntent(h, { amount: 1000, currency: 'usd', metadata: { ['k'.repeat(41)]: 'v' } }), {
          statusCode: 400,
        });
        await rejectsStripe(createIntent(h, { amount: 1000, currency: 'usd', metadata: { k: 'v'.repeat(501) } }), {
          statusCode: 400,
          param: 'metadata[k]',
        });
        const tooMany = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`key${i}`, 'v']));
        await rejectsStripe(createIntent(h, { amount: 1000, currency: 'usd', metadata: tooMany }), {
          statusCode: 400,
          param: 'metadata',
        });
      });
    });
  });
}
