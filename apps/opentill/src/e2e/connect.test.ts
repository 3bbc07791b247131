/**
 * Connect for POS platforms, end to end through stripe-node on SQLite and PostgreSQL
 * (docs/connect.md): connected accounts; a destination charge through a platform reader grouped for
 * a connected account, then its transfer and application fee; a direct charge through the connected
 * account's own reader; Connect webhook endpoints; isolation between a platform, its connected
 * accounts, their siblings and another platform, on every Connect route; bad input.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Stripe from 'stripe';
import { freshSchema, startServer, testPostgres, type RunningServer } from '@opentill/testkit';
import { type Json, listAll, raw, rejectsStripe, requiredFields, stopServer, stores, stripeFor } from './helpers.js';
import { startReceiver, type Receiver } from './webhook-receiver.js';

const webhookEnv = { OPENTILL_WEBHOOK_POLL: '100ms', OPENTILL_WEBHOOK_TIMEOUT: '1500ms' };

for (const store of stores) {
  describe(`Connect for POS platforms (${store})`, () => {
    let server: RunningServer;
    let other: RunningServer;
    let platform: Stripe;
    let otherPlatform: Stripe;
    let receiver: Receiver;
    let connectSecret: string;
    let ownSecret: string;
    let cleanup: () => Promise<void> = async () => undefined;
    /** Two connected accounts of `platform`, and one of the other platform. */
    let shop: Stripe.Account;
    let sibling: Stripe.Account;
    let foreign: Stripe.Account;

    before(async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'opentill-connect-'));
      const schema = store === 'postgres' ? await freshSchema((await testPostgres()).url, 'connect_e2e') : null;
      cleanup = async () => {
        rmSync(dataDir, { recursive: true, force: true });
        if (schema) await schema.drop();
      };
      const shared = {
        store,
        name: 'connect_e2e',
        dataDir,
        env: webhookEnv,
        ...(schema ? { database: schema.url } : {}),
      };
      server = await startServer({ ...shared, secretKey: `sk_test_platformA${process.pid}x${Date.now()}` });
      // A second server on the same database with another key: a second platform.
      other = await startServer({ ...shared, secretKey: `sk_test_platformB${process.pid}x${Date.now()}` });
      platform = stripeFor(server, server.secretKey);
      otherPlatform = stripeFor(other, other.secretKey);
      receiver = await startReceiver();
      const connectEndpoint = await platform.webhookEndpoints.create({
        url: `${receiver.url}/connect`,
        enabled_events: ['*'],
        connect: true,
      });
      const ownEndpoint = await platform.webhookEndpoints.create({ url: `${receiver.url}/own`, enabled_events: ['*'] });
      connectSecret = connectEndpoint.secret!;
      ownSecret = ownEndpoint.secret!;
      assert.match(String(connectEndpoint.application), /^ca_/);
      assert.equal(ownEndpoint.application, null);
      shop = await platform.accounts.create({
        type: 'express',
        country: 'US',
        email: 'shop@example.com',
        metadata: { store: '12' },
      });
      sibling = await platform.accounts.create({
        controller: {
          stripe_dashboard: { type: 'none' },
          requirement_collection: 'application',
          fees: { payer: 'application' },
          losses: { payments: 'application' },
        },
      });
      foreign = await otherPlatform.accounts.create({ type: 'standard' });
    });
    after(async () => {
      await receiver?.close();
      await stopServer(other);
      await stopServer(server);
      await cleanup();
    });

    const as = (account: { id: string }): Stripe.RequestOptions => ({ stripeAccount: account.id });

    test("connected accounts: create, retrieve, update, list, delete; their shape is stripe-node's", async () => {
      assert.match(shop.id, /^acct_/);
      assert.equal(shop.object, 'account');
      assert.equal(shop.type, 'express');
      assert.equal(shop.charges_enabled, true);
      assert.equal(shop.payouts_enabled, true);
      assert.equal(shop.details_submitted, true);
      assert.equal(shop.email, 'shop@example.com');
      assert.deepEqual(shop.metadata, { store: '12' });
      assert.equal(shop.capabilities?.card_payments, 'active');
      assert.equal(shop.controller?.stripe_dashboard?.type, 'express');
      for (const field of requiredFields('Accounts', 'Account')) assert.ok(field in shop, `account.${field}`);
      assert.equal(sibling.type, 'custom', 'no dashboard + platform-collected requirements is a Custom account');
      assert.equal(foreign.type, 'standard');

      assert.equal((await platform.accounts.retrieve(shop.id)).id, shop.id);
      // A connected account reads itself.
      assert.equal((await platform.accounts.retrieve(shop.id, {}, as(shop))).id, shop.id);
      const updated = await platform.accounts.update(shop.id, {
        metadata: { till: 'front' },
        business_profile: { name: 'Shop' },
      });
      assert.deepEqual(updated.metadata, { store: '12', till: 'front' });
      assert.equal(updated.business_profile?.name, 'Shop');

      const listed = await listAll(platform.accounts.list({ limit: 100 }));
      const ids = listed.map((account) => account.id);
      assert.ok(ids.includes(shop.id) && ids.includes(sibling.id));
      assert.ok(!ids.includes(foreign.id), "another platform's account is not listed");

      const doomed = await platform.accounts.create({ type: 'custom' });
      const pi = await platform.paymentIntents.create({ amount: 500, currency: 'usd' }, as(doomed));
      const deleted = await platform.accounts.del(doomed.id);
      assert.deepEqual(deleted, { id: doomed.id, object: 'account', deleted: true });
      await rejectsStripe(platform.accounts.retrieve(doomed.id), { statusCode: 404, code: 'resource_missing' });
      await rejectsStripe(platform.paymentIntents.retrieve(pi.id, {}, as(doomed)), {
        statusCode: 403,
        code: 'account_invalid',
      });
      assert.ok(!(await listAll(platform.accounts.list({ limit: 100 }))).some((account) => account.id === doomed.id));
    });

    test("account.updated reaches the platform's Connect endpoint with `account`, not its own endpoint", async () => {
      await platform.accounts.update(sibling.id, { email: 'owner@example.com' });
      await receiver.waitFor(
        (all) => all.some((r) => r.event.type === 'account.updated' && r.event['account'] === sibling.id),
        15_000,
        'account.updated',
      );
      const delivery = receiver.received.find(
        (r) => r.event.type === 'account.updated' && r.event['account'] === sibling.id,
      )!;
      const event = Stripe.webhooks.constructEvent(
        delivery.body,
        String(delivery.headers['stripe-signature']),
        connectSecret,
      );
      assert.equal(event.account, sibling.id);
      assert.equal((event.data.object as Stripe.Account).email, 'owner@example.com');
      assert.deepEqual(event.data.previous_attributes, { email: null });
    });

    test('destination charge through a platform reader for a connected account: transfer and application fee', async () => {
      // Terminal with destination charges: the Terminal objects are the platform's; metadata groups them.
      const location = await platform.terminal.locations.create({
        display_name: 'Shop 12',
        address: { line1: '1 Main St', city: 'Austin', country: 'US', state: 'TX' },
        metadata: { connected_account: shop.id },
      });
      const reader = await platform.terminal.readers.create({
        registration_code: 'simulated-wpe',
        location: location.id,
      });
      const intent = await platform.paymentIntents.create({
        amount: 1000,
        currency: 'usd',
        payment_method_types: ['card_present'],
        capture_method: 'manual',
        transfer_data: { destination: shop.id },
        on_behalf_of: shop.id,
        application_fee_amount: 123,
      } as Stripe.PaymentIntentCreateParams);
      assert.deepEqual(intent.transfer_data, { destination: shop.id });
      assert.equal(intent.on_behalf_of, shop.id);
      assert.equal(intent.application_fee_amount, 123);

      await platform.terminal.readers.processPaymentIntent(reader.id, { payment_intent: intent.id });
      const presented = await platform.testHelpers.terminal.readers.presentPaymentMethod(reader.id);
      assert.equal(presented.action?.status, 'succeeded');
      const authorized = await platform.paymentIntents.retrieve(intent.id, { expand: ['latest_charge'] });
      assert.equal(authorized.status, 'requires_capture');
      const uncaptured = authorized.latest_charge as Stripe.Charge;
      assert.equal(uncaptured.transfer, undefined, 'nothing moves before capture');
      assert.equal(uncaptured.application_fee, null);
      assert.deepEqual(uncaptured.transfer_data, { amount: null, destination: shop.id });
      assert.equal(uncaptured.on_behalf_of, shop.id);
      assert.equal((await listAll(platform.transfers.list({ destination: shop.id, limit: 100 }))).length, 0);

      const captured = await platform.paymentIntents.capture(intent.id, { expand: ['latest_charge'] });
      assert.equal(captured.status, 'succeeded');
      const charge = captured.latest_charge as Stripe.Charge;
      assert.match(String(charge.transfer), /^tr_/);
      assert.match(String(charge.application_fee), /^fee_/);
      assert.equal(charge.application_fee_amount, 123);
      assert.equal(charge.payment_method_details?.card_present?.reader, reader.id);

      const transfer = await platform.transfers.retrieve(String(charge.transfer));
      assert.equal(transfer.object, 'transfer');
      assert.equal(transfer.amount, 1000, 'the whole amount goes; the fee comes back as an application fee');
      assert.equal(transfer.currency, 'usd');
      assert.equal(transfer.destination, shop.id);
      assert.equal(transfer.source_transaction, charge.id);
      assert.match(String(transfer.destination_payment), /^py_/);
      assert.equal(transfer.reversed, false);
      for (const field of requiredFields('Transfers', 'Transfer')) assert.ok(field in transfer, `transfer.${field}`);

      const fee = await platform.applicationFees.retrieve(String(charge.application_fee), {
        expand: ['originating_transaction'],
      });
      assert.equal(fee.object, 'application_fee');
      assert.equal(fee.amount, 123);
      assert.equal(fee.amount_refunded, 0);
      assert.equal(fee.account, shop.id);
      assert.equal(fee.charge, transfer.destination_payment);
      assert.equal((fee.originating_transaction as Stripe.Charge).id, charge.id);
      assert.match(String(fee.application), /^ca_/);
      for (const field of requiredFields('ApplicationFees', 'ApplicationFee'))
        assert.ok(field in fee, `application_fee.${field}`);
      assert.deepEqual(
        (await platform.applicationFees.list({ charge: String(transfer.destination_payment) })).data.map((f) => f.id),
        [fee.id],
      );

      // The payment the transfer made is the connected account's, not the platform's.
      const payment = await platform.charges.retrieve(String(transfer.destination_payment), {}, as(shop));
      assert.equal(payment.amount, 1000);
      assert.equal(payment.source_transfer, transfer.id);
      assert.equal(payment.application_fee, fee.id);
      await rejectsStripe(platform.charges.retrieve(String(transfer.destination_payment)), {
        statusCode: 404,
        code: 'resource_missing',
      });

      // The platform's own events (and its own endpoint) carry them, without `account`.
      const transferEvents = (await listAll(platform.events.list({ type: 'transfer.created', limit: 100 }))).filter(
        (event) => (event.data.object as Stripe.Transfer).id === transfer.id,
      );
      assert.equal(transferEvents.length, 1);
      assert.equal(transferEvents[0]!.account, undefined);
      const feeEvents = (await listAll(platform.events.list({ type: 'application_fee.created', limit: 100 }))).filter(
        (event) => (event.data.object as Stripe.ApplicationFee).id === fee.id,
      );
      assert.equal(feeEvents.length, 1);
      const capturedEvents = (await listAll(platform.events.list({ type: 'charge.captured', limit: 100 }))).filter(
        (event) => (event.data.object as Stripe.Charge).id === charge.id,
      );
      assert.equal(
        (capturedEvents[0]!.data.object as Stripe.Charge).transfer,
        transfer.id,
        'the event shows the charge settled',
      );
      await receiver.waitFor(
        (all) => all.some((r) => r.event.type === 'transfer.created' && r.event['id'] === transferEvents[0]!.id),
        15_000,
        'transfer.created',
      );
      const delivered = receiver.received.find((r) => r.event['id'] === transferEvents[0]!.id)!;
      Stripe.webhooks.constructEvent(delivered.body, String(delivered.headers['stripe-signature']), ownSecret);

      // Money moves once: capturing again is refused and nothing more is transferred.
      await rejectsStripe(platform.paymentIntents.capture(intent.id), {
        statusCode: 400,
        code: 'payment_intent_unexpected_state',
      });
      assert.deepEqual(
        (await listAll(platform.transfers.list({ destination: shop.id, limit: 100 }))).map((t) => t.id),
        [transfer.id],
      );
    });

    test('destination charge with transfer_data[amount] and automatic capture: that amount, no fee', async () => {
      const intent = await platform.paymentIntents.create({
        amount: 2000,
        currency: 'usd',
        payment_method_types: ['card_present'],
        transfer_data: { destination: sibling.id, amount: 1500 },
        transfer_group: 'order_7',
      } as Stripe.PaymentIntentCreateParams);
      const paid = await raw(server, 'POST', `/opentill/v1/test/payment_intents/${intent.id}/present_card`, {
        key: server.secretKey,
      });
      assert.equal(paid.status, 200, paid.text);
      const charge = await platform.charges.retrieve(String(paid.body.latest_charge));
      assert.equal(charge.application_fee, null);
      const transfer = await platform.transfers.retrieve(String(charge.transfer));
      assert.equal(transfer.amount, 1500);
      assert.equal(transfer.transfer_group, 'order_7');
      assert.deepEqual(
        (await platform.transfers.list({ transfer_group: 'order_7' })).data.map((t) => t.id),
        [transfer.id],
      );
    });

    test("direct charge on the connected account's own reader: the fee goes to the platform", async () => {
      // Terminal with direct charges: every object is the connected account's (Stripe-Account).
      const location = await platform.terminal.locations.create(
        {
          display_name: 'Shop own',
          address: { line1: '2 Main St', city: 'Austin', country: 'US', state: 'TX' },
        },
        as(shop),
      );
      const reader = await platform.terminal.readers.create(
        { registration_code: 'simulated-wpe', location: location.id },
        as(shop),
      );
      const intent = await platform.paymentIntents.create(
        {
          amount: 2500,
          currency: 'usd',
          payment_method_types: ['card_present'],
          application_fee_amount: 200,
        } as Stripe.PaymentIntentCreateParams,
        as(shop),
      );
      await platform.terminal.readers.processPaymentIntent(reader.id, { payment_intent: intent.id }, as(shop));
      await platform.testHelpers.terminal.readers.presentPaymentMethod(reader.id, {}, as(shop));
      const paid = await platform.paymentIntents.retrieve(intent.id, { expand: ['latest_charge'] }, as(shop));
      assert.equal(paid.status, 'succeeded');
      const charge = paid.latest_charge as Stripe.Charge;
      assert.match(String(charge.application_fee), /^fee_/);
      assert.match(String(charge.application), /^ca_/);
      assert.equal(charge.transfer, undefined);

      const fee = await platform.applicationFees.retrieve(String(charge.application_fee));
      assert.equal(fee.amount, 200);
      assert.equal(fee.account, shop.id);
      assert.equal(fee.charge, charge.id);
      assert.equal(fee.originating_transaction, null);
      // The fee is the platform's: the connected account does not see it, the platform does not see the charge.
      await rejectsStripe(platform.applicationFees.retrieve(fee.id, {}, as(shop)), {
        statusCode: 404,
        code: 'resource_missing',
      });
      await rejectsStripe(platform.paymentIntents.retrieve(intent.id), { statusCode: 404, code: 'resource_missing' });
      await rejectsStripe(platform.terminal.readers.retrieve(reader.id), { statusCode: 404, code: 'resource_missing' });

      // The connected account's events carry `account` and reach the platform's Connect endpoint only.
      const succeeded = (
        await listAll(platform.events.list({ type: 'payment_intent.succeeded', limit: 100 }, as(shop)))
      ).find((event) => (event.data.object as Stripe.PaymentIntent).id === intent.id);
      assert.ok(succeeded);
      assert.equal(succeeded.account, shop.id);
      assert.ok(
        !(await listAll(platform.events.list({ type: 'payment_intent.succeeded', limit: 100 }))).some(
          (e) => e.id === succeeded.id,
        ),
      );
      await receiver.waitFor(
        (all) => all.some((r) => r.event['id'] === succeeded.id),
        15_000,
        'payment_intent.succeeded',
      );
      const deliveries = receiver.received.filter((r) => r.event['id'] === succeeded.id);
      assert.equal(deliveries.length, 1, "delivered to the Connect endpoint, not the platform's own");
      const event = Stripe.webhooks.constructEvent(
        deliveries[0]!.body,
        String(deliveries[0]!.headers['stripe-signature']),
        connectSecret,
      );
      assert.equal(event.account, shop.id);
      // The fee's event is the platform's own.
      const feeEvent = (await listAll(platform.events.list({ type: 'application_fee.created', limit: 100 }))).find(
        (e) => (e.data.object as Stripe.ApplicationFee).id === fee.id,
      );
      assert.ok(feeEvent);
      assert.equal(feeEvent.account, undefined);
    });

    test("a connection token of one connected account cannot reach another's readers", async () => {
      const location = await platform.terminal.locations.create(
        { display_name: 'Sibling', address: { country: 'US' } },
        as(sibling),
      );
      const siblingReader = await platform.terminal.readers.create(
        { registration_code: 'simulated-wpe', location: location.id },
        as(sibling),
      );
      const token = await platform.terminal.connectionTokens.create({}, as(shop));
      const opened = await raw(server, 'POST', '/opentill/v1/sdk/sessions', {
        json: { connection_token: token.secret },
      });
      assert.equal(opened.status, 200, opened.text);
      const session = String(opened.body.secret);
      const discovered = await raw(server, 'GET', '/opentill/v1/sdk/readers', { key: session });
      assert.equal(discovered.status, 200, discovered.text);
      assert.ok(!(discovered.body.data as Json[]).some((r) => r.id === siblingReader.id));
      const connect = await raw(server, 'POST', '/opentill/v1/sdk/connection', {
        key: session,
        json: { reader: siblingReader.id },
      });
      assert.ok(connect.status >= 400 && connect.status < 500, `${connect.status} ${connect.text}`);
      assert.equal(
        ((await platform.terminal.readers.retrieve(siblingReader.id, {}, as(sibling))) as Stripe.Terminal.Reader)
          .action,
        null,
      );
    });

    test("isolation: Stripe-Account must name one of the caller's connected accounts, on every Connect route", async () => {
      const refused = { statusCode: 403, code: 'account_invalid', type: 'StripePermissionError' };
      // Another platform's connected account, an unknown one, a platform itself.
      for (const target of [foreign, { id: 'acct_1NoSuchAccount' }, { id: 'not_an_account' }]) {
        const error = await rejectsStripe(platform.paymentIntents.list({}, as(target)), refused);
        assert.match(String(error.message), new RegExp(`does not have access to account '${target.id}'`));
      }
      await rejectsStripe(otherPlatform.accounts.retrieve(shop.id), { statusCode: 404, code: 'resource_missing' });
      await rejectsStripe(otherPlatform.accounts.update(shop.id, { email: 'x@example.com' }), {
        statusCode: 404,
        code: 'resource_missing',
      });
      await rejectsStripe(otherPlatform.accounts.del(shop.id), { statusCode: 404, code: 'resource_missing' });
      await rejectsStripe(otherPlatform.terminal.locations.list({}, as(shop)), refused);
      await rejectsStripe(otherPlatform.terminal.connectionTokens.create({}, as(shop)), refused);

      // A connected account manages no accounts and reaches neither its platform nor a sibling.
      await rejectsStripe(platform.accounts.create({ type: 'express' }, as(shop)), {
        statusCode: 400,
        param: undefined,
      });
      await rejectsStripe(platform.accounts.retrieve(sibling.id, {}, as(shop)), {
        statusCode: 404,
        code: 'resource_missing',
      });
      await rejectsStripe(platform.accounts.update(sibling.id, { email: 'a@example.com' }, as(shop)), {
        statusCode: 400,
      });
      await rejectsStripe(platform.accounts.del(sibling.id, {}, as(shop)), { statusCode: 400 });
      assert.equal((await platform.accounts.list({}, as(shop))).data.length, 0);
      const platformTransfers = await platform.transfers.list({ limit: 1 });
      assert.equal(platformTransfers.data.length, 1);
      await rejectsStripe(platform.transfers.retrieve(platformTransfers.data[0]!.id, {}, as(shop)), {
        statusCode: 404,
        code: 'resource_missing',
      });
      assert.equal((await platform.transfers.list({}, as(shop))).data.length, 0);
      const platformFees = await platform.applicationFees.list({ limit: 1 });
      assert.equal(platformFees.data.length, 1);
      await rejectsStripe(platform.applicationFees.retrieve(platformFees.data[0]!.id, {}, as(sibling)), {
        statusCode: 404,
      });
      assert.equal((await platform.applicationFees.list({}, as(shop))).data.length, 0);
      assert.equal((await otherPlatform.transfers.list()).data.length, 0);
      assert.equal((await otherPlatform.applicationFees.list()).data.length, 0);
      const siblingIntent = await platform.paymentIntents.create({ amount: 700, currency: 'usd' }, as(sibling));
      await rejectsStripe(platform.paymentIntents.retrieve(siblingIntent.id, {}, as(shop)), {
        statusCode: 404,
        code: 'resource_missing',
      });
      // A connected account cannot send money to a sibling, nor create a Connect endpoint.
      await rejectsStripe(
        platform.paymentIntents.create(
          {
            amount: 1000,
            currency: 'usd',
            transfer_data: { destination: sibling.id },
          },
          as(shop),
        ),
        { statusCode: 404, code: 'resource_missing', param: 'transfer_data[destination]' },
      );
      await rejectsStripe(
        platform.webhookEndpoints.create({ url: `${receiver.url}/x`, enabled_events: ['*'], connect: true }, as(shop)),
        { statusCode: 400, param: 'connect' },
      );
      // Another platform cannot send money to this platform's connected account.
      await rejectsStripe(
        otherPlatform.paymentIntents.create({
          amount: 1000,
          currency: 'usd',
          transfer_data: { destination: shop.id },
        }),
        { statusCode: 404, code: 'resource_missing', param: 'transfer_data[destination]' },
      );
    });

    test("bad input: Stripe's errors, nothing written", async () => {
      const before = (await listAll(platform.accounts.list({ limit: 100 }))).length;
      await rejectsStripe(platform.accounts.create({ type: 'premium' as 'custom' }), {
        statusCode: 400,
        param: 'type',
      });
      await rejectsStripe(
        platform.accounts.create({ type: 'custom', controller: { stripe_dashboard: { type: 'none' } } }),
        { statusCode: 400, code: 'parameters_exclusive' },
      );
      await rejectsStripe(platform.accounts.create({ email: 'nope' }), { statusCode: 400, param: 'email' });
      await rejectsStripe(platform.accounts.create({ country: 'USA' }), { statusCode: 400, param: 'country' });
      await rejectsStripe(platform.accounts.create({ flavour: 'x' } as Stripe.AccountCreateParams), {
        statusCode: 400,
        code: 'parameter_unknown',
        param: 'flavour',
      });
      assert.equal((await listAll(platform.accounts.list({ limit: 100 }))).length, before);

      const intents = (await listAll(platform.paymentIntents.list({ limit: 100 }))).length;
      await rejectsStripe(
        platform.paymentIntents.create({ amount: 1000, currency: 'usd', application_fee_amount: 100 }),
        { statusCode: 400, param: 'application_fee_amount', message: /Can only apply an application_fee_amount/ },
      );
      await rejectsStripe(
        platform.paymentIntents.create({
          amount: 1000,
          currency: 'usd',
          transfer_data: { destination: shop.id },
          application_fee_amount: 1001,
        }),
        { statusCode: 400, param: 'application_fee_amount' },
      );
      await rejectsStripe(
        platform.paymentIntents.create({
          amount: 1000,
          currency: 'usd',
          transfer_data: { destination: shop.id, amount: 500 },
          application_fee_amount: 10,
        }),
        { statusCode: 400, code: 'parameters_exclusive' },
      );
      await rejectsStripe(
        platform.paymentIntents.create({
          amount: 1000,
          currency: 'usd',
          transfer_data: { destination: shop.id, amount: 1001 },
        }),
        { statusCode: 400, param: 'transfer_data[amount]' },
      );
      await rejectsStripe(
        platform.paymentIntents.create({
          amount: 1000,
          currency: 'usd',
          transfer_data: { amount: 100 } as Stripe.PaymentIntentCreateParams.TransferData,
        }),
        { statusCode: 400, code: 'parameter_missing', param: 'transfer_data[destination]' },
      );
      await rejectsStripe(
        platform.paymentIntents.create({
          amount: 1000,
          currency: 'usd',
          transfer_data: { destination: shop.id },
          on_behalf_of: sibling.id,
        }),
        { statusCode: 400, param: 'on_behalf_of' },
      );
      await rejectsStripe(platform.paymentIntents.create({ amount: 1000, currency: 'usd', on_behalf_of: foreign.id }), {
        statusCode: 404,
        code: 'resource_missing',
        param: 'on_behalf_of',
      });
      assert.equal((await listAll(platform.paymentIntents.list({ limit: 100 }))).length, intents);

      // A fee added later still needs a destination or a direct charge.
      const plain = await platform.paymentIntents.create({
        amount: 1000,
        currency: 'usd',
        payment_method_types: ['card_present'],
        capture_method: 'manual',
      } as Stripe.PaymentIntentCreateParams);
      await rejectsStripe(platform.paymentIntents.update(plain.id, { application_fee_amount: 50 }), {
        statusCode: 400,
        param: 'application_fee_amount',
      });
      assert.equal((await platform.paymentIntents.retrieve(plain.id)).application_fee_amount, null);
      const card = await raw(server, 'POST', `/opentill/v1/test/payment_intents/${plain.id}/present_card`, {
        key: server.secretKey,
      });
      assert.equal(card.status, 200, card.text);
      await rejectsStripe(platform.paymentIntents.capture(plain.id, { application_fee_amount: 50 }), {
        statusCode: 400,
        param: 'application_fee_amount',
      });
      assert.equal((await platform.paymentIntents.retrieve(plain.id)).status, 'requires_capture', 'not captured');

      await rejectsStripe(platform.transfers.retrieve('tr_missing'), { statusCode: 404, code: 'resource_missing' });
      await rejectsStripe(platform.applicationFees.retrieve('fee_missing'), {
        statusCode: 404,
        code: 'resource_missing',
      });
      await rejectsStripe(platform.transfers.list({ limit: 0 }), { statusCode: 400, param: 'limit' });
      const empty = await raw(server, 'GET', '/v1/payment_intents', {
        key: server.secretKey,
        headers: { 'Stripe-Account': '' },
      });
      assert.equal(empty.status, 200, 'an empty Stripe-Account is the caller itself');
    });
  });
}
