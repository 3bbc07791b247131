/**
 * Charges, Refunds and Events end to end, plus everything driven by time (authorization expiry,
 * asynchronous refund failure) through the test clock.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type Stripe from 'stripe';
import {
  advanceClock,
  assertError,
  authorizedIntent,
  countAll,
  createIntent,
  day,
  listAll,
  presentCard,
  rejectsStripe,
  requiredFields,
  stores,
  useServer,
} from './helpers.js';

for (const store of stores) {
  describe(`Charges, Refunds, Events (${store})`, () => {
    const h = useServer(store, `e2e_cre_${store}`);

    /** Events of one type about one object, newest first. */
    async function eventsAbout(objectId: string, type?: string): Promise<Stripe.Event[]> {
      const list = await listAll(h.stripe.events.list({ limit: 100, ...(type ? { type } : {}) }));
      return list.filter((event) => (event.data.object as { id: string }).id === objectId);
    }

    it('objects carry every field the pinned stripe-node declares as required', async () => {
      const pi = await authorizedIntent(h, { capture_method: 'automatic' });
      const refund = await h.stripe.refunds.create({ payment_intent: pi.id, amount: 100 });
      const objects: [string, string, object][] = [
        ['PaymentIntents', 'PaymentIntent', await h.stripe.paymentIntents.retrieve(pi.id)],
        ['Charges', 'Charge', await h.stripe.charges.retrieve(String(pi.latest_charge))],
        ['PaymentMethods', 'PaymentMethod', await h.stripe.paymentMethods.retrieve(String(pi.payment_method))],
        ['Refunds', 'Refund', await h.stripe.refunds.retrieve(refund.id)],
        ['Events', 'EventBase', (await h.stripe.events.list({ limit: 1 })).data[0]!],
      ];
      for (const [file, iface, object] of objects) {
        const fields = requiredFields(file, iface);
        assert.ok(fields.length > 5, `parsed ${iface}`);
        const missing = fields.filter((field) => !(field in object));
        assert.deepEqual(missing, [], `${iface} lacks ${missing.join(', ')}`);
      }
      assert.equal(refund.payment_method, pi.payment_method);
    });

    describe('charges', () => {
      it('retrieve, list by payment_intent, update description/metadata', async () => {
        const pi = await authorizedIntent(h, { capture_method: 'automatic', description: 'coffee' });
        const chargeId = String(pi.latest_charge);
        const charge = await h.stripe.charges.retrieve(chargeId);
        assert.match(charge.id, /^ch_/);
        assert.equal(charge.object, 'charge');
        assert.equal(charge.amount, 1000);
        assert.equal(charge.payment_intent, pi.id);
        assert.equal(charge.payment_method, pi.payment_method);
        assert.equal(charge.description, 'coffee');
        assert.equal(charge.outcome?.type, 'authorized');
        assert.equal(charge.payment_method_details?.type, 'card_present');
        const expanded = await h.stripe.charges.retrieve(chargeId, { expand: ['payment_intent'] });
        assert.equal((expanded.payment_intent as Stripe.PaymentIntent).id, pi.id);

        const list = await h.stripe.charges.list({ payment_intent: pi.id });
        assert.equal(list.url, '/v1/charges');
        assert.deepEqual(
          list.data.map((c) => c.id),
          [chargeId],
        );
        const recent = await h.stripe.charges.list({
          created: { gte: charge.created },
          expand: ['data.payment_intent'],
          limit: 100,
        });
        const mine = recent.data.find((c) => c.id === chargeId);
        assert.equal((mine?.payment_intent as Stripe.PaymentIntent).id, pi.id);
        assert.equal((await h.stripe.charges.list({ created: { gt: charge.created + 3600 } })).data.length, 0);

        const updated = await h.stripe.charges.update(chargeId, {
          description: 'tea',
          metadata: { table: '4' },
          fraud_details: { user_report: 'safe' },
        });
        assert.equal(updated.description, 'tea');
        assert.deepEqual(updated.metadata, { table: '4' });
        assert.deepEqual(updated.fraud_details, { user_report: 'safe' });
        const unset = await h.stripe.charges.update(chargeId, { description: '', metadata: { table: '' } });
        assert.equal(unset.description, null);
        assert.deepEqual(unset.metadata, {});
        const updatedEvents = await eventsAbout(chargeId, 'charge.updated');
        assert.ok(updatedEvents.length >= 2);
        assert.equal(
          (updatedEvents.at(-1)!.data.previous_attributes as { description?: string }).description,
          'coffee',
        );

        await rejectsStripe(h.stripe.charges.retrieve('ch_missing'), {
          statusCode: 404,
          code: 'resource_missing',
          param: 'charge',
        });
        await rejectsStripe(h.stripe.charges.update(chargeId, { amount: 5 } as Stripe.ChargeUpdateParams), {
          statusCode: 400,
          code: 'parameter_unknown',
          param: 'amount',
        });
      });

      it('a declined attempt and the later success are both charges of the PaymentIntent', async () => {
        const pi = await createIntent(h, { amount: 1000, currency: 'usd' });
        assertError(await presentCard(h, pi.id, { number: '4000000000000002' }), 402);
        await presentCard(h, pi.id);
        const charges = await h.stripe.charges.list({ payment_intent: pi.id });
        assert.deepEqual(
          charges.data.map((c) => c.status),
          ['succeeded', 'failed'],
        );
      });
    });

    describe('refunds', () => {
      it('partial, full, over-refund, retrieve, update, list, cancel', async () => {
        const pi = await authorizedIntent(h, { capture_method: 'automatic', amount: 1000 });
        const chargeId = String(pi.latest_charge);
        const first = await h.stripe.refunds.create({
          payment_intent: pi.id,
          amount: 300,
          reason: 'requested_by_customer',
        });
        assert.match(first.id, /^re_/);
        assert.equal(first.object, 'refund');
        assert.equal(first.amount, 300);
        assert.equal(first.status, 'succeeded');
        assert.equal(first.charge, chargeId);
        assert.equal(first.payment_intent, pi.id);
        assert.equal(first.reason, 'requested_by_customer');
        let charge = await h.stripe.charges.retrieve(chargeId);
        assert.equal(charge.amount_refunded, 300);
        assert.equal(charge.refunded, false);

        await rejectsStripe(h.stripe.refunds.create({ charge: chargeId, amount: 701 }), {
          statusCode: 400,
          code: 'amount_too_large',
          param: 'amount',
          message: 'Refund amount (701) is greater than unrefunded amount on charge (700)',
        });
        const rest = await h.stripe.refunds.create({ charge: chargeId, metadata: { why: 'rest' } });
        assert.equal(rest.amount, 700);
        charge = await h.stripe.charges.retrieve(chargeId);
        assert.equal(charge.amount_refunded, 1000);
        assert.equal(charge.refunded, true);
        await rejectsStripe(h.stripe.refunds.create({ charge: chargeId }), {
          statusCode: 400,
          code: 'charge_already_refunded',
        });

        assert.equal((await h.stripe.refunds.retrieve(first.id)).amount, 300);
        const expanded = await h.stripe.refunds.retrieve(first.id, { expand: ['charge'] });
        assert.equal((expanded.charge as Stripe.Charge).id, chargeId);
        const updated = await h.stripe.refunds.update(first.id, { metadata: { note: 'hi' } });
        assert.deepEqual(updated.metadata, { note: 'hi' });
        await rejectsStripe(h.stripe.refunds.update(first.id, { amount: 5 } as Stripe.RefundUpdateParams), {
          statusCode: 400,
          code: 'parameter_unknown',
        });

        const byCharge = await h.stripe.refunds.list({ charge: chargeId });
        assert.equal(byCharge.url, '/v1/refunds');
        assert.deepEqual(
          byCharge.data.map((r) => r.id),
          [rest.id, first.id],
          'newest first',
        );
        assert.ok(
          (await listAll(h.stripe.refunds.list({ created: { gte: first.created }, limit: 100 }))).some(
            (r) => r.id === first.id,
          ),
        );
        assert.equal(
          (await h.stripe.refunds.list({ created: { lt: first.created }, charge: chargeId })).data.length,
          0,
        );
        const byIntent = await h.stripe.refunds.list({ payment_intent: pi.id, limit: 1 });
        assert.deepEqual(
          byIntent.data.map((r) => r.id),
          [rest.id],
        );
        assert.equal(byIntent.has_more, true);

        await rejectsStripe(h.stripe.refunds.cancel(first.id), { statusCode: 400, code: 'refund_invalid_state' });
        await rejectsStripe(h.stripe.refunds.retrieve('re_missing'), { statusCode: 404, code: 'resource_missing' });

        const events = await listAll(
          h.stripe.events.list({ types: ['refund.created', 'charge.refunded'], limit: 100 }),
        );
        const mine = events.filter((e) => [first.id, rest.id, chargeId].includes((e.data.object as { id: string }).id));
        assert.deepEqual(mine.map((e) => e.type).sort(), [
          'charge.refunded',
          'charge.refunded',
          'refund.created',
          'refund.created',
        ]);
      });

      it('refund of a partially captured charge is limited to the captured amount', async () => {
        const pi = await authorizedIntent(h, { amount: 1000 });
        await h.stripe.paymentIntents.capture(pi.id, { amount_to_capture: 600 });
        await rejectsStripe(h.stripe.refunds.create({ payment_intent: pi.id, amount: 601 }), {
          statusCode: 400,
          code: 'amount_too_large',
        });
        const refund = await h.stripe.refunds.create({ payment_intent: pi.id });
        assert.equal(refund.amount, 600);
      });

      it('refund errors: nothing to refund, missing target, unknown ids, bad amounts', async () => {
        const uncaptured = await authorizedIntent(h);
        await rejectsStripe(h.stripe.refunds.create({ payment_intent: uncaptured.id }), { statusCode: 400 });
        const fresh = await createIntent(h, { amount: 1000, currency: 'usd' });
        await rejectsStripe(h.stripe.refunds.create({ payment_intent: fresh.id }), {
          statusCode: 400,
          param: 'payment_intent',
        });
        await rejectsStripe(h.stripe.refunds.create({}), { statusCode: 400, code: 'parameter_missing' });
        await rejectsStripe(h.stripe.refunds.create({ charge: 'ch_missing' }), {
          statusCode: 404,
          code: 'resource_missing',
          param: 'charge',
        });
        await rejectsStripe(h.stripe.refunds.create({ payment_intent: 'pi_missing' }), {
          statusCode: 404,
          param: 'payment_intent',
        });
        for (const amount of ['-5', '0', '1.5', 'abc']) {
          assertError(
            await h.api('POST', '/v1/refunds', { form: `payment_intent=${uncaptured.id}&amount=${amount}` }),
            400,
            { param: 'amount' },
          );
        }
        assert.equal((await h.stripe.paymentIntents.retrieve(uncaptured.id)).status, 'requires_capture');
      });

      it('charge and payment_intent must agree; an Interac refund ending 05 is declined on the spot', async () => {
        const one = await authorizedIntent(h, { capture_method: 'automatic' });
        const two = await authorizedIntent(h, { capture_method: 'automatic' });
        await rejectsStripe(h.stripe.refunds.create({ charge: String(one.latest_charge), payment_intent: two.id }), {
          statusCode: 400,
          code: 'parameters_exclusive',
        });
        const agreeing = await h.stripe.refunds.create({
          charge: String(one.latest_charge),
          payment_intent: one.id,
          amount: 100,
        });
        assert.equal(agreeing.status, 'succeeded');

        const interac = await authorizedIntent(h, {
          currency: 'cad',
          capture_method: 'automatic',
          payment_method_types: ['interac_present'],
        });
        assert.equal(interac.status, 'succeeded');
        const declined = await h.stripe.refunds.create({ payment_intent: interac.id, amount: 505 });
        assert.equal(declined.status, 'failed');
        assert.equal(declined.failure_reason, 'declined');
        assert.equal((await h.stripe.charges.retrieve(String(interac.latest_charge))).amount_refunded, 0);
        assert.equal((await eventsAbout(declined.id, 'refund.failed')).length, 1);
        assert.equal((await h.stripe.refunds.create({ payment_intent: interac.id, amount: 500 })).status, 'succeeded');
      });

      it('refund_fail: looks successful, fails after a clock advance with refund.failed', async () => {
        const pi = await authorizedIntent(h, { capture_method: 'automatic' }, { number: '4000000000005126' });
        assert.equal(pi.status, 'succeeded');
        const refund = await h.stripe.refunds.create({ payment_intent: pi.id, amount: 400 });
        assert.equal(refund.status, 'succeeded');
        assert.equal((await h.stripe.charges.retrieve(String(pi.latest_charge))).amount_refunded, 400);
        await advanceClock(h, 60);
        const failed = await h.stripe.refunds.retrieve(refund.id);
        assert.equal(failed.status, 'failed');
        assert.equal(failed.failure_reason, 'expired_or_canceled_card');
        const charge = await h.stripe.charges.retrieve(String(pi.latest_charge));
        assert.equal(charge.amount_refunded, 0, 'the failed refund gives the amount back');
        const failedEvents = await eventsAbout(refund.id, 'refund.failed');
        assert.equal(failedEvents.length, 1);
        assert.equal((failedEvents[0]!.data.object as Stripe.Refund).status, 'failed');
        assert.equal(failedEvents[0]!.request?.id, null, 'automatic events have no request');
      });
    });

    describe('authorization expiry', () => {
      it('Visa: 5 days (4 days 18 hours); Mastercard: 2 days → canceled with charge.expired', async () => {
        const visa = await authorizedIntent(h, {}, { number: '4242424242424242' });
        const mastercard = await authorizedIntent(h, {}, { number: '5555555555554444' });
        const visaCharge = await h.stripe.charges.retrieve(String(visa.latest_charge));
        const mcCharge = await h.stripe.charges.retrieve(String(mastercard.latest_charge));
        assert.equal(
          visaCharge.payment_method_details!.card_present!.capture_before! - visaCharge.created,
          4 * day + 18 * 3600,
        );
        assert.equal(mcCharge.payment_method_details!.card_present!.capture_before! - mcCharge.created, 2 * day);

        const jpy = await authorizedIntent(h, { currency: 'jpy', amount: 1000 }, { number: '5555555555554444' });
        const jpyCharge = await h.stripe.charges.retrieve(String(jpy.latest_charge));
        assert.equal(
          jpyCharge.payment_method_details!.card_present!.capture_before! - jpyCharge.created,
          30 * day,
          'JPY: 30 days',
        );

        await advanceClock(h, 2 * day + 60);
        assert.equal((await h.stripe.paymentIntents.retrieve(jpy.id)).status, 'requires_capture');
        const mcAfter = await h.stripe.paymentIntents.retrieve(mastercard.id);
        assert.equal(mcAfter.status, 'canceled');
        assert.equal(mcAfter.cancellation_reason, 'automatic');
        assert.equal((await h.stripe.paymentIntents.retrieve(visa.id)).status, 'requires_capture', 'Visa still holds');
        await rejectsStripe(h.stripe.paymentIntents.capture(mastercard.id), {
          statusCode: 400,
          code: 'payment_intent_unexpected_state',
        });
        assert.equal((await eventsAbout(String(mastercard.latest_charge), 'charge.expired')).length, 1);
        assert.equal((await eventsAbout(mastercard.id, 'payment_intent.canceled')).length, 1);

        await advanceClock(h, 3 * day);
        assert.equal((await h.stripe.paymentIntents.retrieve(visa.id)).status, 'canceled');
        assert.equal((await eventsAbout(String(visa.latest_charge), 'charge.expired')).length, 1);
        const expiredCharge = await h.stripe.charges.retrieve(String(visa.latest_charge));
        assert.equal(expiredCharge.refunded, true);
        assert.equal(expiredCharge.amount_refunded, 1000);
      });

      it('updating the metadata of an authorized PaymentIntent keeps its expiry', async () => {
        const pi = await authorizedIntent(h, {}, { number: '5555555555554444' });
        await h.stripe.paymentIntents.update(pi.id, { metadata: { note: 'x' }, description: 'still authorized' });
        await advanceClock(h, 2 * day + 60);
        assert.equal((await h.stripe.paymentIntents.retrieve(pi.id)).status, 'canceled');
      });

      it('the test clock answers and refuses bad advances', async () => {
        const clock = await h.api('GET', '/opentill/v1/test/clock');
        assert.equal(clock.status, 200);
        assert.ok(clock.body.frozen_time > Date.now() / 1000);
        for (const seconds of ['0', '-5', 'x', '999999999999']) {
          assertError(await h.api('POST', '/opentill/v1/test/clock/advance', { form: `seconds=${seconds}` }), 400, {
            param: 'seconds',
          });
        }
        assertError(await h.api('POST', '/opentill/v1/test/clock/advance', { form: '' }), 400, {
          code: 'parameter_missing',
        });
      });
    });

    describe('events', () => {
      it('every state change records its events, with the request that caused them', async () => {
        const pi = await createIntent(
          h,
          { amount: 1000, currency: 'usd', capture_method: 'manual' },
          { idempotencyKey: `events-${store}-${Date.now()}` },
        );
        await presentCard(h, pi.id);
        await h.stripe.paymentIntents.capture(pi.id);
        const mine = (await eventsAbout(pi.id)).map((e) => e.type).reverse();
        assert.deepEqual(mine, [
          'payment_intent.created',
          'payment_intent.amount_capturable_updated',
          'payment_intent.succeeded',
        ]);
        const created = (await eventsAbout(pi.id, 'payment_intent.created'))[0]!;
        assert.match(created.id, /^evt_/);
        assert.equal(created.object, 'event');
        assert.equal(created.livemode, false);
        assert.equal(created.api_version, '2026-10-28.endive');
        assert.match(created.request?.id ?? '', /^req_/);
        assert.match(created.request?.idempotency_key ?? '', /^events-/);
        assert.ok(!JSON.stringify(created).includes('_internal'));
        const chargeEvents = (await eventsAbout(String((await h.stripe.paymentIntents.retrieve(pi.id)).latest_charge)))
          .map((e) => e.type)
          .reverse();
        assert.deepEqual(chargeEvents, ['charge.succeeded', 'charge.captured']);
        const again = await h.stripe.events.retrieve(created.id);
        assert.deepEqual({ ...again, lastResponse: undefined }, { ...created, lastResponse: undefined });
        await rejectsStripe(h.stripe.events.retrieve('evt_missing'), { statusCode: 404, code: 'resource_missing' });
      });

      it('filters: type, wildcard type, types, created; type and types together is an error', async () => {
        const pi = await createIntent(h, { amount: 1000, currency: 'usd' });
        await presentCard(h, pi.id, { number: '4000000000000002' });
        const all = await h.stripe.events.list({ limit: 100 });
        assert.equal(all.url, '/v1/events');
        const byType = await h.stripe.events.list({ type: 'payment_intent.payment_failed', limit: 100 });
        assert.ok(byType.data.length >= 1);
        assert.ok(byType.data.every((e) => e.type === 'payment_intent.payment_failed'));
        const wildcard = await h.stripe.events.list({ type: 'charge.*', limit: 100 });
        assert.ok(wildcard.data.some((e) => e.type === 'charge.failed'));
        assert.ok(wildcard.data.every((e) => e.type.startsWith('charge.')));
        // Counted over every page: the first 100 of each would be equal whatever the filter did.
        assert.equal(await countAll(h.api, '/v1/events?type=*'), await countAll(h.api, '/v1/events'));
        const types = await h.stripe.events.list({ types: ['charge.failed', 'payment_intent.created'], limit: 100 });
        assert.ok(types.data.every((e) => e.type === 'charge.failed' || e.type === 'payment_intent.created'));
        assert.ok(types.data.some((e) => e.type === 'charge.failed'));
        assert.ok(types.data.some((e) => e.type === 'payment_intent.created'));
        const newest = all.data[0]!;
        const createdFilter = await h.stripe.events.list({ created: { gt: newest.created }, limit: 100 });
        assert.equal(createdFilter.data.length, 0);
        const createdGte = await h.stripe.events.list({ created: { gte: newest.created }, limit: 100 });
        assert.ok(createdGte.data.some((e) => e.id === newest.id));
        await rejectsStripe(h.stripe.events.list({ type: 'charge.failed', types: ['charge.failed'] }), {
          statusCode: 400,
          code: 'parameters_exclusive',
        });
        await rejectsStripe(h.stripe.events.list({ types: Array.from({ length: 21 }, () => 'charge.failed') }), {
          statusCode: 400,
        });
        assertError(await h.api('GET', '/v1/events?type=char*ge'), 400, { param: 'type' });
        // Pagination works on events too.
        const page = await h.stripe.events.list({ limit: 2 });
        const next = await h.stripe.events.list({ limit: 2, starting_after: page.data[1]!.id });
        assert.ok(!next.data.some((e) => page.data.some((p) => p.id === e.id)));
      });

      it('events older than 30 days are gone', async () => {
        const pi = await createIntent(h, { amount: 1000, currency: 'usd' });
        const created = (await eventsAbout(pi.id, 'payment_intent.created'))[0]!;
        await advanceClock(h, 31 * day);
        await rejectsStripe(h.stripe.events.retrieve(created.id), { statusCode: 404, code: 'resource_missing' });
        assert.equal((await eventsAbout(pi.id)).length, 0);
      });
    });
  });
}
