/**
 * Customers through the official stripe-node client, on SQLite and PostgreSQL: CRUD, list and
 * search, `customer` on PaymentIntents and SetupIntents, saving a card from a reader
 * (`process_setup_intent`, and `setup_future_usage` on a reader payment) as a `generated_card`
 * attached to the customer, attach/detach, the events delivered to a webhook endpoint, bad input,
 * and isolation between two accounts on one database.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it, test } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Stripe from 'stripe';
import { freshSchema, startServer, testPostgres, type RunningServer } from '@opentill/testkit';
import {
  assertError,
  listAll,
  raw,
  type RawOptions,
  rejectsStripe,
  requiredFields,
  stores,
  stripeFor,
} from './helpers.js';
import { startReceiver, type Receiver } from './webhook-receiver.js';

const webhookEnv = { OPENTILL_WEBHOOK_POLL: '100ms', OPENTILL_WEBHOOK_TIMEOUT: '2000ms' };

/** stripe-node 23's types name the Terminal parameter `allowed_payment_method_types`; the seed sends this one. */
type IntentParams = Stripe.PaymentIntentCreateParams & { payment_method_types?: string[] };

for (const store of stores) {
  describe(`customers (${store})`, () => {
    let server: RunningServer;
    let stripe: Stripe;
    let receiver: Receiver;
    const api = (method: string, path: string, options: RawOptions = {}) =>
      raw(server, method, path, { key: server.secretKey, ...options });
    /** How many live customers have this email (the list filter): proves what a refused request did not write. */
    const countWithEmail = async (email: string) =>
      (await listAll(stripe.customers.list({ email, limit: 100 }))).length;

    before(async () => {
      receiver = await startReceiver();
      server = await startServer({ store, name: `customers_${store}`, env: webhookEnv });
      stripe = stripeFor(server, server.secretKey);
      await stripe.webhookEndpoints.create({
        url: receiver.url,
        enabled_events: [
          'customer.created',
          'customer.updated',
          'customer.deleted',
          'payment_method.attached',
          'payment_method.detached',
        ],
      });
    });
    after(async () => {
      await server?.stop();
      await receiver?.close();
    });

    async function reader(): Promise<Stripe.Terminal.Reader> {
      const location = await stripe.terminal.locations.create({
        display_name: 'Shop',
        address: { country: 'US', line1: '1 Main St' },
      });
      return stripe.terminal.readers.create({ registration_code: 'simulated-wpe', location: location.id });
    }

    it("create, retrieve, update and delete in Stripe's shape, with customer.* events delivered", async () => {
      const created = await stripe.customers.create({
        email: 'ada@example.com',
        name: 'Ada Lovelace',
        phone: '+15555550100',
        description: 'regular',
        metadata: { member: 'gold', tier: '1' },
        preferred_locales: ['en', 'fr'],
        address: { line1: '1 Main St', city: 'Springfield', country: 'US' },
        shipping: { name: 'Ada', address: { line1: '2 Side St', country: 'US' } },
      });
      assert.match(created.id, /^cus_/);
      assert.equal(created.object, 'customer');
      for (const field of requiredFields('Customers', 'Customer')) assert.ok(field in created, `missing ${field}`);
      assert.ok(!('_internal' in created));
      assert.equal(created.email, 'ada@example.com');
      assert.equal(created.balance, 0);
      assert.equal(created.livemode, false);
      assert.equal(created.tax_exempt, 'none');
      assert.match(created.invoice_prefix!, /^[A-Z0-9]{8}$/);
      assert.deepEqual(created.address, {
        city: 'Springfield',
        country: 'US',
        line1: '1 Main St',
        line2: null,
        postal_code: null,
        state: null,
      });
      assert.equal(created.shipping?.address?.line1, '2 Side St');
      assert.deepEqual(created.invoice_settings, {
        custom_fields: null,
        default_payment_method: null,
        footer: null,
        rendering_options: null,
      });

      const retrieved = await stripe.customers.retrieve(created.id);
      assert.deepEqual(retrieved, created);

      const updated = await stripe.customers.update(created.id, {
        name: 'Ada King',
        metadata: { tier: '', vip: 'yes' },
        phone: '',
      });
      assert.equal(updated.name, 'Ada King');
      assert.equal(updated.phone, null);
      assert.deepEqual(updated.metadata, { member: 'gold', vip: 'yes' });
      const updates = await listAll(stripe.events.list({ type: 'customer.updated', limit: 100 }));
      const event = updates.find((e) => (e.data.object as Stripe.Customer).id === created.id)!;
      assert.ok(event, 'customer.updated');
      assert.deepEqual(event.data.previous_attributes, {
        metadata: { tier: '1', vip: null },
        name: 'Ada Lovelace',
        phone: '+15555550100',
      });

      const deleted = await stripe.customers.del(created.id);
      assert.deepEqual(deleted, { id: created.id, object: 'customer', deleted: true });
      assert.deepEqual(await stripe.customers.retrieve(created.id), {
        id: created.id,
        object: 'customer',
        deleted: true,
      });
      await rejectsStripe(stripe.customers.update(created.id, { name: 'x' }), {
        statusCode: 404,
        code: 'resource_missing',
        param: 'id',
      });
      await rejectsStripe(stripe.customers.del(created.id), { statusCode: 404, code: 'resource_missing' });
      assert.equal(await countWithEmail('ada@example.com'), 0, 'a deleted customer is not listed');

      await receiver.waitFor(
        (received) =>
          ['customer.created', 'customer.updated', 'customer.deleted'].every((type) =>
            received.some(
              (r) => r.event.type === type && (r.event['data'] as { object: { id: string } }).object.id === created.id,
            ),
          ),
        15_000,
        'customer.* webhooks',
      );
      const deletedEvent = receiver
        .ofType('customer.deleted')
        .find((r) => (r.event['data'] as { object: { id: string } }).object.id === created.id)!;
      assert.equal((deletedEvent.event['data'] as { object: { email: string } }).object.email, 'ada@example.com');
    });

    it('idempotent create: a retry replays the answer, another body under the key is refused, nothing is created twice', async () => {
      const email = `idem-${store}@example.com`;
      const key = `customers-idem-${store}-${Date.now()}`;
      const first = await api('POST', '/v1/customers', { form: { email }, headers: { 'Idempotency-Key': key } });
      assert.equal(first.status, 200, first.text);
      const again = await api('POST', '/v1/customers', { form: { email }, headers: { 'Idempotency-Key': key } });
      assert.equal(again.status, 200);
      assert.equal(again.headers.get('idempotent-replayed'), 'true');
      assert.equal(again.body.id, first.body.id);
      assertError(
        await api('POST', '/v1/customers', { form: { email, name: 'other' }, headers: { 'Idempotency-Key': key } }),
        400,
        { type: 'idempotency_error' },
      );
      assert.equal(await countWithEmail(email), 1);
      // A refused request (validation) leaves the key free: the fixed request under the same key runs once.
      const badKey = `${key}-bad`;
      assertError(
        await api('POST', '/v1/customers', { form: { email: 'nope' }, headers: { 'Idempotency-Key': badKey } }),
        400,
        { code: 'email_invalid' },
      );
      const fixed = await api('POST', '/v1/customers', { form: { email }, headers: { 'Idempotency-Key': badKey } });
      assert.equal(fixed.status, 200, fixed.text);
      assert.equal(await countWithEmail(email), 2);
    });

    it('lists newest first, filters by email exactly, pages with cursors and auto-pagination', async () => {
      const email = `list-${store}@example.com`;
      const ids: string[] = [];
      for (let i = 0; i < 5; i += 1) ids.push((await stripe.customers.create({ email, name: `n${i}` })).id);
      await stripe.customers.create({ email: `other-${store}@example.com` });
      const newestFirst = [...ids].reverse();
      const page1 = await stripe.customers.list({ email, limit: 2 });
      assert.equal(page1.url, '/v1/customers');
      assert.equal(page1.has_more, true);
      assert.deepEqual(
        page1.data.map((c) => c.id),
        newestFirst.slice(0, 2),
      );
      const page2 = await stripe.customers.list({ email, limit: 2, starting_after: page1.data[1]!.id });
      assert.deepEqual(
        page2.data.map((c) => c.id),
        newestFirst.slice(2, 4),
      );
      const back = await stripe.customers.list({ email, limit: 2, ending_before: page2.data[0]!.id });
      assert.deepEqual(
        back.data.map((c) => c.id),
        newestFirst.slice(0, 2),
      );
      const all: string[] = [];
      for await (const customer of stripe.customers.list({ email, limit: 2 })) all.push(customer.id);
      assert.deepEqual(all, newestFirst);
      assert.equal(await countWithEmail(email.toUpperCase()), 0, 'the list filter is exact (search is not)');
    });

    it('searches by email, name and metadata, with next_page and stripe-node auto-pagination', async () => {
      const tag = `s${store}${Date.now()}`;
      const ids: string[] = [];
      for (let i = 0; i < 3; i += 1) {
        ids.push(
          (
            await stripe.customers.create({
              email: `${tag}@example.com`,
              name: `Grace ${tag}`,
              metadata: { tag, i: String(i) },
            })
          ).id,
        );
      }
      const byEmail = await stripe.customers.search({ query: `email:'${tag.toUpperCase()}@EXAMPLE.COM'` });
      assert.equal(byEmail.object, 'search_result');
      assert.equal(byEmail.url, '/v1/customers/search');
      assert.equal(byEmail.has_more, false);
      assert.equal(byEmail.next_page, null);
      assert.deepEqual(
        byEmail.data.map((c) => c.id),
        [...ids].reverse(),
      );
      const first = await stripe.customers.search({ query: `metadata['tag']:'${tag}'`, limit: 2 });
      assert.equal(first.has_more, true);
      assert.equal(typeof first.next_page, 'string');
      const second = await stripe.customers.search({
        query: `metadata['tag']:'${tag}'`,
        limit: 2,
        page: first.next_page!,
      });
      assert.equal(second.has_more, false);
      assert.deepEqual(
        [...first.data, ...second.data].map((c) => c.id),
        [...ids].reverse(),
      );
      const walked: string[] = [];
      for await (const customer of stripe.customers.search({
        query: `name~'${tag}' AND -metadata['i']:'1'`,
        limit: 1,
      })) {
        walked.push(customer.id);
      }
      assert.deepEqual(walked, [ids[2], ids[0]]);
      assert.equal((await stripe.customers.search({ query: `email:'nobody-${tag}@example.com'` })).data.length, 0);
      const expanded = await api(
        'GET',
        `/v1/customers/search?query=${encodeURIComponent(`email:'${tag}@example.com'`)}&expand[]=data.test_clock`,
      );
      assert.equal(expanded.status, 200, expanded.text);
      assertError(await api('GET', `/v1/customers/search?query=${encodeURIComponent("colour:'red'")}`), 400, {
        type: 'invalid_request_error',
        param: 'query',
        message: /unsupported search field/,
      });
      assertError(await api('GET', `/v1/customers/search?query=${encodeURIComponent('email:ada@example.com')}`), 400, {
        param: 'query',
      });
      assertError(await api('GET', '/v1/customers/search'), 400, { code: 'parameter_missing', param: 'query' });
      assertError(
        await api(
          'GET',
          `/v1/customers/search?query=${encodeURIComponent(`email:'${tag}@example.com'`)}&page=nonsense`,
        ),
        400,
        { param: 'page' },
      );
      assertError(
        await api('GET', `/v1/customers/search?query=${encodeURIComponent(`email:'${tag}@example.com'`)}&limit=101`),
        400,
        { code: 'parameter_invalid_integer', param: 'limit' },
      );
    });

    it("bad input answers Stripe's 400 with code and param, and writes nothing", async () => {
      const email = `bad-${store}@example.com`;
      const eventsBefore = (await listAll(stripe.events.list({ type: 'customer.created', limit: 100 }))).length;
      await rejectsStripe(stripe.customers.create({ email: 'not-an-email' }), {
        statusCode: 400,
        code: 'email_invalid',
        param: 'email',
      });
      await rejectsStripe(stripe.customers.create({ email, colour: 'red' } as Stripe.CustomerCreateParams), {
        statusCode: 400,
        code: 'parameter_unknown',
        param: 'colour',
      });
      await rejectsStripe(stripe.customers.create({ email, balance: 'lots' as unknown as number }), {
        statusCode: 400,
        code: 'parameter_invalid_integer',
        param: 'balance',
      });
      await rejectsStripe(
        stripe.customers.create({ email, tax_exempt: 'sometimes' as Stripe.CustomerCreateParams.TaxExempt }),
        { statusCode: 400, param: 'tax_exempt' },
      );
      await rejectsStripe(stripe.customers.create({ email, invoice_prefix: 'no' }), {
        statusCode: 400,
        param: 'invoice_prefix',
      });
      await rejectsStripe(stripe.customers.create({ email, payment_method: 'pm_nope' }), {
        statusCode: 400,
        code: 'resource_missing',
        param: 'payment_method',
      });
      await rejectsStripe(stripe.customers.create({ email, invoice_settings: { default_payment_method: 'pm_nope' } }), {
        statusCode: 400,
        code: 'resource_missing',
        param: 'invoice_settings[default_payment_method]',
      });
      await rejectsStripe(stripe.customers.create({ email, metadata: { ['k'.repeat(41)]: 'v' } }), { statusCode: 400 });
      await rejectsStripe(
        stripe.customers.create({ email, shipping: { name: 'x' } as Stripe.CustomerCreateParams.Shipping }),
        { statusCode: 400, code: 'parameter_missing', param: 'shipping[address]' },
      );
      assertError(await api('POST', '/v1/customers', { form: `email=${email}&name=${'x'.repeat(300)}` }), 400, {
        param: 'name',
      });
      assertError(await api('POST', '/v1/customers', { json: { email, preferred_locales: 'en' } }), 400, {
        param: 'preferred_locales',
      });
      assert.equal(await countWithEmail(email), 0);
      assert.equal((await listAll(stripe.events.list({ type: 'customer.created', limit: 100 }))).length, eventsBefore);

      await rejectsStripe(stripe.customers.retrieve('cus_nope'), {
        statusCode: 404,
        code: 'resource_missing',
        param: 'id',
      });
      const pi = await stripe.paymentIntents.create({
        amount: 1000,
        currency: 'usd',
        payment_method_types: ['card_present'],
      } as IntentParams);
      await rejectsStripe(stripe.customers.retrieve(pi.id), { statusCode: 404, code: 'resource_missing' });
      await rejectsStripe(stripe.customers.update('cus_nope', { name: 'x' }), {
        statusCode: 404,
        code: 'resource_missing',
      });
      await rejectsStripe(stripe.customers.listPaymentMethods('cus_nope'), {
        statusCode: 404,
        code: 'resource_missing',
        param: 'customer',
      });
      assertError(await api('GET', '/v1/customers?email='), 400, { param: 'email' });
      assertError(await api('GET', '/v1/customers?limit=0'), 400, { param: 'limit' });
    });

    it('customer on PaymentIntents and SetupIntents: unknown or deleted refused on customer, expandable, listable', async () => {
      const customer = await stripe.customers.create({ email: `pi-${store}@example.com` });
      const gone = await stripe.customers.create({});
      await stripe.customers.del(gone.id);
      const piCountBefore = (await listAll(stripe.paymentIntents.list({ limit: 100 }))).length;
      for (const bad of ['cus_nope', gone.id]) {
        await rejectsStripe(
          stripe.paymentIntents.create({
            amount: 1000,
            currency: 'usd',
            customer: bad,
            payment_method_types: ['card_present'],
          } as IntentParams),
          { statusCode: 400, code: 'resource_missing', param: 'customer', message: `No such customer: '${bad}'` },
        );
        await rejectsStripe(stripe.setupIntents.create({ customer: bad }), {
          statusCode: 400,
          code: 'resource_missing',
          param: 'customer',
        });
      }
      assert.equal(
        (await listAll(stripe.paymentIntents.list({ limit: 100 }))).length,
        piCountBefore,
        'nothing written',
      );
      const pi = await stripe.paymentIntents.create({
        amount: 1000,
        currency: 'usd',
        customer: customer.id,
        payment_method_types: ['card_present'],
        expand: ['customer'],
      } as IntentParams);
      assert.equal((pi.customer as Stripe.Customer).email, `pi-${store}@example.com`);
      await rejectsStripe(stripe.paymentIntents.update(pi.id, { customer: 'cus_nope' }), {
        statusCode: 400,
        code: 'resource_missing',
        param: 'customer',
      });
      const unset = await stripe.paymentIntents.update(pi.id, { customer: '' });
      assert.equal(unset.customer, null);
      await stripe.paymentIntents.update(pi.id, { customer: customer.id });
      assert.deepEqual(
        (await stripe.paymentIntents.list({ customer: customer.id })).data.map((p) => p.id),
        [pi.id],
      );
      const si = await stripe.setupIntents.create({ customer: customer.id, expand: ['customer'] });
      assert.equal((si.customer as Stripe.Customer).id, customer.id);
      await rejectsStripe(stripe.setupIntents.update(si.id, { customer: gone.id }), {
        statusCode: 400,
        code: 'resource_missing',
        param: 'customer',
      });
      // Deleted after being named: expansion shows Stripe's stub.
      const later = await stripe.customers.create({});
      const named = await stripe.setupIntents.create({ customer: later.id });
      await stripe.customers.del(later.id);
      const expanded = await stripe.setupIntents.retrieve(named.id, { expand: ['customer'] });
      assert.deepEqual(expanded.customer, { id: later.id, object: 'customer', deleted: true });
    });

    it('process_setup_intent saves a generated_card attached to the customer; listed by customer; payment_method.attached', async () => {
      const customer = await stripe.customers.create({ email: `setup-${store}@example.com` });
      const r = await reader();
      const setupIntent = await stripe.setupIntents.create({ customer: customer.id });
      await stripe.terminal.readers.processSetupIntent(r.id, {
        setup_intent: setupIntent.id,
        allow_redisplay: 'always',
      });
      const done = await stripe.testHelpers.terminal.readers.presentPaymentMethod(r.id);
      assert.equal(done.action?.status, 'succeeded');
      const generated = done.action?.process_setup_intent?.generated_card as string;
      const card = await stripe.paymentMethods.retrieve(generated, { expand: ['customer'] });
      assert.equal(card.type, 'card');
      assert.equal((card.customer as Stripe.Customer).id, customer.id);
      assert.equal(card.card?.generated_from?.setup_attempt !== null, true);
      const byCustomer = await stripe.customers.listPaymentMethods(customer.id);
      assert.equal(byCustomer.url, `/v1/customers/${customer.id}/payment_methods`);
      assert.deepEqual(
        byCustomer.data.map((p) => p.id),
        [generated],
      );
      const byQuery = await stripe.paymentMethods.list({ customer: customer.id, type: 'card' });
      assert.deepEqual(
        byQuery.data.map((p) => p.id),
        [generated],
      );
      assert.equal((await stripe.customers.retrievePaymentMethod(customer.id, generated)).id, generated);
      await receiver.waitFor(
        (received) =>
          received.some(
            (x) =>
              x.event.type === 'payment_method.attached' &&
              (x.event['data'] as { object: { id: string } }).object.id === generated,
          ),
        15_000,
        'payment_method.attached',
      );
    });

    it('a reader payment with setup_future_usage saves a generated_card (process_payment_intent and collect + confirm)', async () => {
      const customer = await stripe.customers.create({ email: `sfu-${store}@example.com` });
      const r = await reader();
      const pi = await stripe.paymentIntents.create({
        amount: 2500,
        currency: 'usd',
        customer: customer.id,
        setup_future_usage: 'off_session',
        payment_method_types: ['card_present'],
        capture_method: 'automatic',
      } as IntentParams);
      assert.equal(pi.setup_future_usage, 'off_session');
      await stripe.terminal.readers.processPaymentIntent(r.id, {
        payment_intent: pi.id,
        process_config: { allow_redisplay: 'limited' },
      });
      const done = await stripe.testHelpers.terminal.readers.presentPaymentMethod(r.id);
      assert.equal(done.action?.status, 'succeeded');
      const paid = await stripe.paymentIntents.retrieve(pi.id, { expand: ['latest_charge'] });
      assert.equal(paid.status, 'succeeded');
      const charge = paid.latest_charge as Stripe.Charge;
      assert.equal(charge.customer, customer.id);
      const generated = charge.payment_method_details?.card_present?.generated_card as string;
      assert.match(generated, /^pm_/);
      assert.notEqual(generated, paid.payment_method, 'the PaymentIntent keeps the card_present PaymentMethod');
      const card = await stripe.paymentMethods.retrieve(generated);
      assert.equal(card.type, 'card');
      assert.equal(card.customer, customer.id);
      assert.equal(card.allow_redisplay, 'limited');
      assert.equal(card.card?.generated_from?.charge, charge.id);
      assert.equal(card.card?.last4, '4242');

      const second = await stripe.paymentIntents.create({
        amount: 1200,
        currency: 'usd',
        customer: customer.id,
        setup_future_usage: 'off_session',
        payment_method_types: ['card_present'],
      } as IntentParams);
      await stripe.terminal.readers.collectPaymentMethod(r.id, {
        payment_intent: second.id,
        collect_config: { allow_redisplay: 'always' },
      });
      await stripe.testHelpers.terminal.readers.presentPaymentMethod(r.id, {
        card_present: { number: '5555555555554444' },
      });
      await stripe.terminal.readers.confirmPaymentIntent(r.id, { payment_intent: second.id });
      const confirmed = await stripe.paymentIntents.retrieve(second.id, { expand: ['latest_charge'] });
      const secondCard = (confirmed.latest_charge as Stripe.Charge).payment_method_details?.card_present
        ?.generated_card as string;
      assert.equal((await stripe.paymentMethods.retrieve(secondCard)).allow_redisplay, 'always');
      const saved = await stripe.customers.listPaymentMethods(customer.id, { type: 'card' });
      assert.deepEqual(
        saved.data.map((p) => p.id),
        [secondCard, generated],
      );

      // Without setup_future_usage nothing is saved.
      const plain = await stripe.paymentIntents.create({
        amount: 900,
        currency: 'usd',
        customer: customer.id,
        payment_method_types: ['card_present'],
      } as IntentParams);
      await stripe.terminal.readers.processPaymentIntent(r.id, { payment_intent: plain.id });
      await stripe.testHelpers.terminal.readers.presentPaymentMethod(r.id);
      const plainCharge = (await stripe.paymentIntents.retrieve(plain.id, { expand: ['latest_charge'] }))
        .latest_charge as Stripe.Charge;
      assert.equal(plainCharge.payment_method_details?.card_present?.generated_card, null);
      assert.equal((await stripe.customers.listPaymentMethods(customer.id)).data.length, 2);
      await rejectsStripe(
        stripe.paymentIntents.create({
          amount: 900,
          currency: 'usd',
          setup_future_usage: 'sometimes',
          payment_method_types: ['card_present'],
        } as unknown as IntentParams),
        { statusCode: 400, param: 'setup_future_usage' },
      );
    });

    it('attach and detach: events, default payment method cleared, card_present refused', async () => {
      const owner = await stripe.customers.create({});
      const other = await stripe.customers.create({});
      const r = await reader();
      const setupIntent = await stripe.setupIntents.create({});
      await stripe.terminal.readers.processSetupIntent(r.id, {
        setup_intent: setupIntent.id,
        allow_redisplay: 'unspecified',
      });
      const done = await stripe.testHelpers.terminal.readers.presentPaymentMethod(r.id);
      const card = done.action?.process_setup_intent?.generated_card as string;
      assert.equal(
        (await stripe.paymentMethods.retrieve(card)).customer,
        null,
        'no customer on the SetupIntent: attached to no one',
      );

      const attached = await stripe.paymentMethods.attach(card, { customer: owner.id });
      assert.equal(attached.customer, owner.id);
      await rejectsStripe(stripe.paymentMethods.attach(card, { customer: other.id }), {
        statusCode: 400,
        code: 'payment_method_unexpected_state',
        param: 'payment_method',
      });
      await rejectsStripe(stripe.paymentMethods.attach(card, { customer: 'cus_nope' }), {
        statusCode: 400,
        code: 'resource_missing',
        param: 'customer',
      });
      const withDefault = await stripe.customers.update(owner.id, {
        invoice_settings: { default_payment_method: card },
      });
      assert.equal(withDefault.invoice_settings.default_payment_method, card);
      await rejectsStripe(stripe.customers.update(other.id, { invoice_settings: { default_payment_method: card } }), {
        statusCode: 400,
        code: 'resource_missing',
        param: 'invoice_settings[default_payment_method]',
      });
      const present = await stripe.setupIntents.retrieve(setupIntent.id, { expand: ['latest_attempt'] });
      const presentId = (present.latest_attempt as Stripe.SetupAttempt).payment_method as string;
      await rejectsStripe(stripe.paymentMethods.attach(presentId, { customer: owner.id }), {
        statusCode: 400,
        code: 'payment_method_invalid_parameter',
      });

      const detached = await stripe.paymentMethods.detach(card);
      assert.equal(detached.customer, null);
      assert.equal(
        ((await stripe.customers.retrieve(owner.id)) as Stripe.Customer).invoice_settings.default_payment_method,
        null,
      );
      assert.equal((await stripe.customers.listPaymentMethods(owner.id)).data.length, 0);
      await rejectsStripe(stripe.paymentMethods.detach(card), {
        statusCode: 400,
        code: 'payment_method_unexpected_state',
      });
      await rejectsStripe(stripe.customers.retrievePaymentMethod(owner.id, card), {
        statusCode: 404,
        code: 'resource_missing',
      });

      // A customer created with payment_method attaches it in the same commit.
      const adopted = await stripe.customers.create({
        payment_method: card,
        invoice_settings: { default_payment_method: card },
      });
      assert.equal(adopted.invoice_settings.default_payment_method, card);
      assert.equal((await stripe.paymentMethods.retrieve(card)).customer, adopted.id);

      await receiver.waitFor(
        (received) =>
          received.some(
            (x) =>
              x.event.type === 'payment_method.detached' &&
              (x.event['data'] as { object: { id: string } }).object.id === card,
          ),
        15_000,
        'payment_method.detached',
      );
      const detachEvent = receiver
        .ofType('payment_method.detached')
        .find((x) => (x.event['data'] as { object: { id: string } }).object.id === card)!;
      assert.deepEqual((detachEvent.event['data'] as { previous_attributes: unknown }).previous_attributes, {
        customer: owner.id,
      });
    });
  });

  test(`customers and their cards belong to one account (${store})`, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'opentill-customers-accounts-'));
    const schema = store === 'postgres' ? await freshSchema((await testPostgres()).url, 'customers_accounts') : null;
    const shared = { store, name: 'customers_accounts', dataDir, ...(schema ? { database: schema.url } : {}) };
    const first = await startServer({ ...shared, secretKey: `sk_test_custfirst${process.pid}x${Date.now()}` });
    try {
      const stripe = stripeFor(first, first.secretKey);
      const customer = await stripe.customers.create({ email: 'mine@example.com', metadata: { who: 'first' } });
      const location = await stripe.terminal.locations.create({ display_name: 'A', address: { country: 'US' } });
      const r = await stripe.terminal.readers.create({ registration_code: 'simulated-wpe', location: location.id });
      const setupIntent = await stripe.setupIntents.create({ customer: customer.id });
      await stripe.terminal.readers.processSetupIntent(r.id, {
        setup_intent: setupIntent.id,
        allow_redisplay: 'always',
      });
      const card = (await stripe.testHelpers.terminal.readers.presentPaymentMethod(r.id)).action?.process_setup_intent
        ?.generated_card as string;
      await first.stop();
      const second = await startServer({ ...shared, secretKey: `sk_test_custsecond${process.pid}x${Date.now()}` });
      try {
        const other = stripeFor(second, second.secretKey);
        await rejectsStripe(other.customers.retrieve(customer.id), { statusCode: 404, code: 'resource_missing' });
        await rejectsStripe(other.customers.update(customer.id, { name: 'x' }), {
          statusCode: 404,
          code: 'resource_missing',
        });
        await rejectsStripe(other.customers.del(customer.id), { statusCode: 404, code: 'resource_missing' });
        await rejectsStripe(other.customers.listPaymentMethods(customer.id), {
          statusCode: 404,
          code: 'resource_missing',
        });
        assert.equal((await other.customers.list({ email: 'mine@example.com' })).data.length, 0);
        assert.equal((await other.customers.search({ query: "email:'mine@example.com'" })).data.length, 0);
        assert.equal((await other.paymentMethods.list({ customer: customer.id, type: 'card' })).data.length, 0);
        await rejectsStripe(other.paymentMethods.detach(card), { code: 'resource_missing' });
        const own = await other.customers.create({});
        await rejectsStripe(other.paymentMethods.attach(card, { customer: own.id }), { code: 'resource_missing' });
        await rejectsStripe(
          other.paymentIntents.create({
            amount: 1000,
            currency: 'usd',
            customer: customer.id,
            payment_method_types: ['card_present'],
          } as IntentParams),
          { statusCode: 400, code: 'resource_missing', param: 'customer' },
        );
        await rejectsStripe(other.setupIntents.create({ customer: customer.id }), {
          statusCode: 400,
          code: 'resource_missing',
          param: 'customer',
        });
        const page = `${Buffer.from(customer.id).toString('base64url')}`;
        assert.equal((await other.customers.search({ query: "metadata['who']:'first'", page })).data.length, 0);
      } finally {
        await second.stop();
      }
      const back = await startServer({ ...shared, secretKey: first.secretKey });
      try {
        const stripe2 = stripeFor(back, back.secretKey);
        assert.equal(
          (await stripe2.paymentMethods.retrieve(card)).customer,
          customer.id,
          'the other account changed nothing',
        );
        assert.equal(((await stripe2.customers.retrieve(customer.id)) as Stripe.Customer).email, 'mine@example.com');
      } finally {
        await back.stop();
      }
    } finally {
      await first.stop();
      rmSync(dataDir, { recursive: true, force: true });
      if (schema) await schema.drop();
    }
  });
}
