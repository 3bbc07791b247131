/**
 * Wire behaviours audited against Stripe's API reference (issue 14, item 3), one test each, on
 * both stores; where Stripe leaves room the choice is in docs/decisions.md ("Wire audit").
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import type Stripe from 'stripe';
import { freshSchema, startServer, testPostgres, type RunningServer } from '@opentill/testkit';
import {
  assertError,
  authorizedIntent,
  createIntent,
  listAllRaw,
  raw,
  rejectsStripe,
  requestTimeoutMs,
  stopServer,
  stores,
  stripeFor,
  type Harness,
  type Json,
  type RawOptions,
} from './helpers.js';

const notEmulated =
  /^Unrecognized request URL \((GET|POST|DELETE): [^)]*\)\. Please see https:\/\/stripe\.com\/docs or we can help at https:\/\/support\.stripe\.com\/\. This endpoint is not emulated by OpenTill/;

/** A GET or DELETE carrying a body (fetch refuses to send one). */
function withBody(
  server: RunningServer,
  method: string,
  path: string,
  body: string,
): Promise<{ status: number; body: Json }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      `${server.baseUrl}${path}`,
      {
        method,
        timeout: requestTimeoutMs,
        headers: {
          Authorization: `Bearer ${server.secretKey}`,
          'Content-Type': 'application/x-www-form-urlencoded',
          'Content-Length': Buffer.byteLength(body),
        },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          text += chunk;
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) as Json }));
      },
    );
    request.on('timeout', () => request.destroy(new Error('timed out')));
    request.on('error', reject);
    request.end(body);
  });
}

for (const store of stores) {
  describe(`wire audit (${store})`, () => {
    let a: RunningServer;
    let b: RunningServer;
    let h: Harness;
    let other: Stripe;
    let cleanup: () => Promise<void> = async () => undefined;
    before(async () => {
      // Two accounts in one database, for the cross-account cases.
      if (store === 'sqlite') {
        const dataDir = mkdtempSync(join(tmpdir(), 'opentill-wire-'));
        cleanup = async () => rmSync(dataDir, { recursive: true, force: true });
        a = await startServer({ store, name: 'wire_a', dataDir });
        b = await startServer({ store, name: 'wire_b', dataDir });
      } else {
        const schema = await freshSchema((await testPostgres()).url, 'e2e_wire_audit');
        cleanup = schema.drop;
        a = await startServer({ store, name: 'wire_a', database: schema.url });
        b = await startServer({ store, name: 'wire_b', database: schema.url });
      }
      h = {
        server: a,
        stripe: stripeFor(a, a.secretKey),
        api: (method: string, path: string, options: RawOptions = {}) =>
          raw(a, method, path, { key: a.secretKey, ...options }),
      };
      other = stripeFor(b, b.secretKey);
    });
    after(async () => {
      await stopServer(a);
      await stopServer(b);
      await cleanup();
    });

    describe('list cursors', () => {
      it("a cursor naming nothing, another type's object or another account's object → 404 resource_missing on the cursor", async () => {
        const first = await createIntent(h, { amount: 1000, currency: 'usd' });
        const second = await createIntent(h, { amount: 1000, currency: 'usd' });
        const page = await h.stripe.paymentIntents.list({ starting_after: second.id, limit: 100 });
        assert.equal(page.data[0]!.id, first.id, 'a valid cursor pages');
        const theirs = await other.paymentIntents.create({ amount: 1000, currency: 'usd' });
        const location = await h.stripe.terminal.locations.create({
          display_name: 'HQ',
          address: { line1: '1 Main St', city: 'Austin', state: 'TX', postal_code: '78701', country: 'US' },
        });
        for (const param of ['starting_after', 'ending_before'] as const) {
          for (const id of ['pi_nope', location.id, theirs.id]) {
            await rejectsStripe(h.stripe.paymentIntents.list({ [param]: id }), {
              statusCode: 404,
              code: 'resource_missing',
              param,
              message: `No such payment_intent: '${id}'`,
            });
          }
        }
        // The same on a list filtered after the store (readers by status) and on events.
        await rejectsStripe(h.stripe.terminal.readers.list({ status: 'online', starting_after: first.id }), {
          statusCode: 404,
          code: 'resource_missing',
          param: 'starting_after',
          message: `No such terminal.reader: '${first.id}'`,
        });
        await rejectsStripe(h.stripe.events.list({ ending_before: first.id }), {
          statusCode: 404,
          code: 'resource_missing',
          param: 'ending_before',
        });
        assertError(
          await h.api('GET', `/v1/payment_intents?starting_after=${first.id}&ending_before=${second.id}`),
          400,
          {
            code: 'parameters_exclusive',
            message: 'You may only specify one of these parameters: ending_before, starting_after.',
          },
        );
      });

      it('limit out of range: 0, -1, 101, abc → 400 on `limit`; 1 and 100 accepted', async () => {
        const cases: Array<[string, string, string]> = [
          ['0', 'parameter_invalid_integer', 'This value must be greater than or equal to 1.'],
          ['-1', 'parameter_invalid_integer', 'This value must be greater than or equal to 1.'],
          ['101', 'parameter_invalid_integer', 'This value must be less than or equal to 100.'],
          ['abc', 'parameter_invalid_integer', 'Invalid integer: abc'],
          [
            '',
            'parameter_invalid_empty',
            "You passed an empty string for 'limit'. We assume empty values are an attempt to " +
              "unset a parameter; however 'limit' cannot be unset. You should remove 'limit' from your request or supply a non-empty value.",
          ],
        ];
        for (const [limit, code, message] of cases) {
          assertError(await h.api('GET', `/v1/payment_intents?limit=${limit}`), 400, {
            type: 'invalid_request_error',
            code,
            param: 'limit',
            message,
          });
        }
        for (const limit of [1, 100])
          assert.equal((await h.api('GET', `/v1/payment_intents?limit=${limit}`)).status, 200);
      });
    });

    it("ids in the URL are named by the URL's name (404); ids in parameters by the parameter (404); `id` in a body is unknown", async () => {
      await rejectsStripe(h.stripe.paymentIntents.retrieve('pi_missing'), {
        statusCode: 404,
        code: 'resource_missing',
        param: 'intent',
        message: "No such payment_intent: 'pi_missing'",
      });
      await rejectsStripe(h.stripe.terminal.locations.retrieve('tml_missing'), {
        statusCode: 404,
        code: 'resource_missing',
        param: 'id',
        message: "No such terminal.location: 'tml_missing'",
      });
      await rejectsStripe(h.stripe.refunds.create({ payment_intent: 'pi_missing' }), {
        statusCode: 404,
        code: 'resource_missing',
        param: 'payment_intent',
      });
      const pi = await createIntent(h, { amount: 1000, currency: 'usd' });
      assertError(
        await h.api('POST', `/v1/payment_intents/${pi.id}`, { form: { id: 'pi_other', description: 'x' } }),
        400,
        { code: 'parameter_unknown', param: 'id', message: 'Received unknown parameter: id' },
      );
      assert.equal((await h.stripe.paymentIntents.retrieve(pi.id)).description, null, 'nothing written');
    });

    it('a publishable key reads only the documented subset of a PaymentIntent, with its client_secret', async () => {
      const pi = await authorizedIntent(h, { metadata: { order: '1' }, description: 'Coffee' });
      const pk = stripeFor(a, a.publishableKey);
      const seen = (await pk.paymentIntents.retrieve(pi.id, { client_secret: pi.client_secret! })) as unknown as Json;
      const allowed = [
        'id',
        'object',
        'amount',
        'automatic_payment_methods',
        'canceled_at',
        'cancellation_reason',
        'capture_method',
        'client_secret',
        'confirmation_method',
        'created',
        'currency',
        'description',
        'last_payment_error',
        'livemode',
        'next_action',
        'payment_method',
        'payment_method_types',
        'processing',
        'receipt_email',
        'setup_future_usage',
        'shipping',
        'status',
      ];
      const fields = Object.keys(seen).filter((key) => key !== 'lastResponse');
      assert.deepEqual(
        fields.filter((key) => !allowed.includes(key)),
        [],
        'nothing beyond the subset',
      );
      for (const key of [
        'id',
        'object',
        'amount',
        'client_secret',
        'currency',
        'description',
        'status',
        'payment_method',
      ]) {
        assert.deepEqual(seen[key], (pi as unknown as Json)[key], key);
      }
      for (const hidden of ['metadata', 'latest_charge', 'amount_capturable', 'customer', 'payment_method_options']) {
        assert.equal(hidden in seen, false, hidden);
      }
      const full = await h.stripe.paymentIntents.retrieve(pi.id);
      assert.deepEqual(full.metadata, { order: '1' }, 'the secret key still reads everything');
    });

    describe('expand', () => {
      it('four levels are allowed; a fifth is property_expansion_max_depth, `data.` counting on lists', async () => {
        const pi = await authorizedIntent(h);
        const deep = (await h.stripe.paymentIntents.retrieve(pi.id, {
          expand: ['latest_charge.payment_intent.latest_charge.payment_intent'],
        })) as Json;
        assert.equal(deep.latest_charge.payment_intent.latest_charge.payment_intent.id, pi.id);
        const five = 'latest_charge.payment_intent.latest_charge.payment_intent.latest_charge';
        await rejectsStripe(h.stripe.paymentIntents.retrieve(pi.id, { expand: [five] }), {
          statusCode: 400,
          code: 'property_expansion_max_depth',
          param: 'expand',
          message: `You cannot expand more than 4 levels of a property. Property: ${five}`,
        });
        const listed = await h.stripe.paymentIntents.list({
          expand: ['data.latest_charge.payment_intent.latest_charge'],
          limit: 1,
        });
        assert.equal((listed.data[0] as Json).latest_charge.payment_intent.latest_charge.object, 'charge');
        await rejectsStripe(
          h.stripe.paymentIntents.list({ expand: ['data.latest_charge.payment_intent.latest_charge.payment_intent'] }),
          { statusCode: 400, code: 'property_expansion_max_depth' },
        );
      });

      it('unknown paths name the whole path; on a list, a path without `data.` says so; `data` alone is accepted', async () => {
        const pi = await authorizedIntent(h);
        await rejectsStripe(h.stripe.paymentIntents.retrieve(pi.id, { expand: ['metadata'] }), {
          statusCode: 400,
          param: 'expand',
          message: 'This property cannot be expanded (metadata).',
        });
        await rejectsStripe(h.stripe.paymentIntents.retrieve(pi.id, { expand: ['latest_charge.bogus'] }), {
          statusCode: 400,
          param: 'expand',
          message: 'This property cannot be expanded (latest_charge.bogus).',
        });
        await rejectsStripe(h.stripe.paymentIntents.list({ expand: ['latest_charge'] }), {
          statusCode: 400,
          param: 'expand',
          message:
            "This property cannot be expanded (latest_charge). You may want to try expanding 'data.latest_charge' instead.",
        });
        assert.equal((await h.api('GET', '/v1/payment_intents?expand[0]=data')).status, 200);
      });
    });

    it('metadata on every resource that has it: `metadata[k]=` unsets k, `metadata=` unsets all, keys merge', async () => {
      const pi = await authorizedIntent(h, { capture_method: 'automatic' });
      const refund = await h.stripe.refunds.create({ payment_intent: pi.id, amount: 100 });
      const setupIntent = await h.stripe.setupIntents.create({
        payment_method_types: ['card_present'],
      } as Stripe.SetupIntentCreateParams);
      const location = await h.stripe.terminal.locations.create({
        display_name: 'Shop',
        address: { line1: '1 Main St', city: 'Austin', state: 'TX', postal_code: '78701', country: 'US' },
      });
      const reader = await h.stripe.terminal.readers.create({
        registration_code: 'simulated-wpe',
        location: location.id,
      });
      const endpoint = await h.stripe.webhookEndpoints.create({
        url: 'http://127.0.0.1:9/hook',
        enabled_events: ['*'],
      });
      const resources: Array<[string, string]> = [
        ['payment_intent', `/v1/payment_intents/${pi.id}`],
        ['charge', `/v1/charges/${String(pi.latest_charge)}`],
        ['refund', `/v1/refunds/${refund.id}`],
        ['setup_intent', `/v1/setup_intents/${setupIntent.id}`],
        ['terminal.location', `/v1/terminal/locations/${location.id}`],
        ['terminal.reader', `/v1/terminal/readers/${reader.id}`],
        ['webhook_endpoint', `/v1/webhook_endpoints/${endpoint.id}`],
      ];
      try {
        for (const [type, path] of resources) {
          const set = await h.api('POST', path, { form: 'metadata[a]=1&metadata[b]=2' });
          assert.equal(set.status, 200, `${type}: ${set.text}`);
          assert.deepEqual(set.body.metadata, { a: '1', b: '2' }, type);
          const merged = await h.api('POST', path, { form: 'metadata[c]=3&metadata[a]=' });
          assert.deepEqual(merged.body.metadata, { b: '2', c: '3' }, `${type}: merge and unset one key`);
          const stored = await h.api('GET', path);
          assert.deepEqual(stored.body.metadata, { b: '2', c: '3' }, `${type}: as stored`);
          const cleared = await h.api('POST', path, { form: 'metadata=' });
          assert.deepEqual(cleared.body.metadata, {}, `${type}: all unset`);
          assertError(await h.api('POST', path, { form: 'metadata=x' }), 400, {
            param: 'metadata',
            message: 'Invalid hash',
          });
        }
      } finally {
        await h.stripe.webhookEndpoints.del(endpoint.id);
      }
    });

    it('Stripe-Version: any well-formed version is accepted and echoed; a malformed one is refused', async () => {
      const older = await h.api('GET', '/v1/payment_intents', { headers: { 'Stripe-Version': '2022-08-01' } });
      assert.equal(older.status, 200);
      assert.equal(older.headers.get('stripe-version'), '2022-08-01');
      const pinned = await h.api('GET', '/v1/payment_intents', { headers: { 'Stripe-Version': '2026-10-28.endive' } });
      assert.equal(pinned.status, 200);
      const newer = await h.api('POST', '/v1/payment_intents', {
        form: { amount: 1000, currency: 'usd' },
        headers: { 'Stripe-Version': '2027-01-01.future' },
      });
      assert.equal(newer.status, 200);
      assert.equal(newer.headers.get('stripe-version'), '2027-01-01.future');
      assert.equal(newer.body.object, 'payment_intent');
      assertError(await h.api('GET', '/v1/payment_intents', { headers: { 'Stripe-Version': 'banana' } }), 400, {
        type: 'invalid_request_error',
        param: 'Stripe-Version',
        message: 'Invalid Stripe API version: banana',
      });
    });

    it('an idempotency key reused on another endpoint → 400 idempotency_error naming both paths', async () => {
      const key = `wire-${store}-${Date.now()}`;
      const created = await h.api('POST', '/v1/payment_intents', {
        form: { amount: 1000, currency: 'usd' },
        headers: { 'Idempotency-Key': key },
      });
      assert.equal(created.status, 200);
      const reused = await h.api('POST', `/v1/payment_intents/${created.body.id}/cancel`, {
        form: {},
        headers: { 'Idempotency-Key': key },
      });
      assertError(reused, 400, {
        type: 'idempotency_error',
        message: `Keys for idempotent requests can only be used for the same endpoint they were first used for ('/v1/payment_intents/${created.body.id}/cancel' vs '/v1/payment_intents'). Try using a key other than '${key}' if you meant to execute a different request.`,
      });
      assert.equal(
        (await h.stripe.paymentIntents.retrieve(created.body.id)).status,
        'requires_payment_method',
        'nothing ran',
      );
      assertError(
        await h.api('POST', '/v1/payment_intents', {
          form: { amount: 2000, currency: 'usd' },
          headers: { 'Idempotency-Key': key },
        }),
        400,
        {
          type: 'idempotency_error',
          message: /^Keys for idempotent requests can only be used with the same parameters/,
        },
      );
      const replay = await h.api('POST', '/v1/payment_intents', {
        form: { amount: 1000, currency: 'usd' },
        headers: { 'Idempotency-Key': key },
      });
      assert.equal(replay.body.id, created.body.id);
    });

    it('GET and DELETE take parameters in the query string: a body is refused', async () => {
      const got = await withBody(a, 'GET', '/v1/payment_intents', 'limit=1');
      assert.equal(got.status, 400);
      assert.equal(got.body.error.type, 'invalid_request_error');
      assert.match(got.body.error.message, /^A GET request takes its parameters in the query string, not in a body/);
      const location = await h.stripe.terminal.locations.create({
        display_name: 'Gone',
        address: { line1: '1 Main St', city: 'Austin', state: 'TX', postal_code: '78701', country: 'US' },
      });
      const deleted = await withBody(a, 'DELETE', `/v1/terminal/locations/${location.id}`, 'x=1');
      assert.equal(deleted.status, 400);
      assert.equal(
        ((await h.stripe.terminal.locations.retrieve(location.id)) as Json).deleted,
        undefined,
        'not deleted',
      );
      assert.equal((await withBody(a, 'GET', '/v1/payment_intents?limit=1', '')).status, 200);
    });

    it('DELETE answers {id, object, deleted: true}; the object is then gone; a second DELETE is 404; other resources have none', async () => {
      const location = await h.stripe.terminal.locations.create({
        display_name: 'Gone',
        address: { line1: '1 Main St', city: 'Austin', state: 'TX', postal_code: '78701', country: 'US' },
      });
      const reader = await h.stripe.terminal.readers.create({
        registration_code: 'simulated-wpe',
        location: location.id,
      });
      const configuration = await h.stripe.terminal.configurations.create({});
      const endpoint = await h.stripe.webhookEndpoints.create({
        url: 'http://127.0.0.1:9/hook',
        enabled_events: ['*'],
      });
      // Stripe's deleted objects: id, object, deleted (a deleted reader also keeps device_type and serial_number).
      const deletable: Array<[string, string, string, Json]> = [
        [
          'terminal.reader',
          '/v1/terminal/readers',
          reader.id,
          { device_type: reader.device_type, serial_number: reader.serial_number },
        ],
        ['terminal.location', '/v1/terminal/locations', location.id, {}],
        ['terminal.configuration', '/v1/terminal/configurations', configuration.id, {}],
        ['webhook_endpoint', '/v1/webhook_endpoints', endpoint.id, {}],
      ];
      for (const [object, base, id, extra] of deletable) {
        const deleted = await h.api('DELETE', `${base}/${id}`);
        assert.equal(deleted.status, 200, `${object}: ${deleted.text}`);
        assert.deepEqual(deleted.body, { id, object, deleted: true, ...extra });
        assertError(await h.api('GET', `${base}/${id}`), 404, { code: 'resource_missing' });
        assertError(await h.api('DELETE', `${base}/${id}`), 404, { code: 'resource_missing' });
        const listed = await listAllRaw(h.api, base);
        assert.ok(!listed.some((item) => item.id === id), `${object} left its list`);
      }
      const pi = await createIntent(h, { amount: 1000, currency: 'usd' });
      assertError(await h.api('DELETE', `/v1/payment_intents/${pi.id}`), 404, {
        type: 'invalid_request_error',
        code: undefined,
        message: notEmulated,
      });
    });

    it("unknown resources → 404 in Stripe's format, saying the endpoint is not emulated by OpenTill", async () => {
      for (const [method, path] of [
        ['GET', '/v1/foo'],
        ['POST', '/v1/issuing/cards'],
        ['GET', '/v1/customers_x/cus_1'],
      ] as const) {
        const answer = await h.api(method, path, method === 'POST' ? { form: {} } : {});
        const error = assertError(answer, 404, {
          type: 'invalid_request_error',
          code: undefined,
          message: notEmulated,
        });
        assert.ok(error.message.includes(`(${method}: ${path})`));
      }
    });
  });
}
