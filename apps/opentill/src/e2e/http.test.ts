/**
 * The HTTP contract end to end: authentication, Request-Id, Stripe-Version, unknown routes, bad
 * input of every kind (always a Stripe-format 4xx that changes nothing), idempotency, and account
 * isolation (two accounts in one database).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect, createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freshSchema, startServer, testPostgres, type RunningServer } from '@opentill/testkit';
import {
  assertError,
  authorizedIntent,
  countAll,
  createIntent,
  type Harness,
  listAll,
  raw,
  readCard,
  rejectsStripe,
  requestTimeoutMs,
  stopServer,
  stores,
  stripeFor,
  useServer,
} from './helpers.js';

const noKeyMessage =
  'You did not provide an API key. You need to provide your API key in the Authorization header, using ' +
  "Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for " +
  'details, or we can help at https://support.stripe.com/.';

/** How many objects of each kind the account has (to show a rejected request wrote nothing). */
async function counts(h: Harness): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const path of ['payment_intents', 'charges', 'refunds', 'events', 'payment_methods'])
    out[path] = await countAll(h.api, `/v1/${path}`);
  return out;
}

/**
 * A TCP proxy to `port` that destroys the client's connection when the first response starts
 * coming back (the server has done the work by then); later connections pass through.
 */
async function droppingProxy(port: number): Promise<{ port: number; dropped(): number; close(): Promise<void> }> {
  let dropped = 0;
  const sockets = new Set<Socket>();
  const server = createNetServer((client) => {
    const upstream = connect(port, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    client.pipe(upstream);
    if (dropped === 0) {
      upstream.once('data', () => {
        dropped += 1;
        client.destroy();
        upstream.destroy();
      });
    } else {
      upstream.pipe(client);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    dropped: () => dropped,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

for (const store of stores) {
  describe(`HTTP contract (${store})`, () => {
    const h = useServer(store, `e2e_http_${store}`);

    describe('authentication', () => {
      it('no key → 401 with Stripe message', async () => {
        const error = assertError(await h.api('GET', '/v1/payment_intents', { key: null }), 401, {
          type: 'invalid_request_error',
          message: noKeyMessage,
        });
        assert.equal(error.code, undefined);
        assertError(await h.api('POST', '/v1/payment_intents', { key: null, form: 'amount=1000&currency=usd' }), 401, {
          message: noKeyMessage,
        });
        assertError(
          await h.api('GET', '/v1/payment_intents', { key: null, headers: { Authorization: 'Bearer' } }),
          401,
          { message: noKeyMessage },
        );
        assertError(
          await h.api('GET', '/v1/payment_intents', { key: null, headers: { Authorization: 'Token abc' } }),
          401,
        );
      });
      it('bad key → 401 with the key masked', async () => {
        const bad = 'sk_test_thisisnotarealkey1234';
        const error = assertError(await h.api('GET', '/v1/payment_intents', { key: bad }), 401, {
          type: 'invalid_request_error',
          message: `Invalid API Key provided: sk_test_${'*'.repeat(bad.length - 12)}1234`,
        });
        assert.ok(!error.message.includes('thisisnotarealkey'));
        await rejectsStripe(stripeFor(h.server, bad).paymentIntents.list(), {
          type: 'StripeAuthenticationError',
          statusCode: 401,
        });
        assertError(await h.api('GET', '/v1/payment_intents', { key: bad, auth: 'basic' }), 401, {
          message: /^Invalid API Key provided: /,
        });
      });
      it('Basic and Bearer both work', async () => {
        assert.equal((await h.api('GET', '/v1/payment_intents', { auth: 'basic' })).status, 200);
        assert.equal((await h.api('GET', '/v1/payment_intents', { auth: 'bearer' })).status, 200);
        // curl -u sk_test_…: with a password part, and lower-case schemes.
        const basic = Buffer.from(`${h.server.secretKey}:ignored`).toString('base64');
        assert.equal(
          (await h.api('GET', '/v1/payment_intents', { key: null, headers: { Authorization: `basic ${basic}` } }))
            .status,
          200,
        );
        assert.equal(
          (
            await h.api('GET', '/v1/payment_intents', {
              key: null,
              headers: { Authorization: `bearer ${h.server.secretKey}` },
            })
          ).status,
          200,
        );
        assertError(
          await h.api('GET', '/v1/payment_intents', { key: null, headers: { Authorization: 'Basic !!!notbase64' } }),
          401,
        );
      });
    });

    describe('headers', () => {
      it('Request-Id on every response, errors included; unique per request', async () => {
        const responses = await Promise.all([
          h.api('GET', '/v1/payment_intents'),
          h.api('GET', '/v1/payment_intents', { key: null }),
          h.api('GET', '/v1/nope'),
          h.api('POST', '/v1/payment_intents', { form: 'amount=x' }),
          h.api('GET', '/v1/payment_intents/pi_missing'),
        ]);
        const ids = responses.map((r) => r.headers.get('request-id'));
        for (const id of ids) assert.match(id ?? '', /^req_[A-Za-z0-9_-]+$/);
        assert.equal(new Set(ids).size, ids.length);
      });
      it('Stripe-Version is echoed (default and requested); a malformed one is refused', async () => {
        const defaulted = await h.api('GET', '/v1/payment_intents');
        assert.equal(defaulted.headers.get('stripe-version'), '2026-10-28.endive');
        const older = await h.api('GET', '/v1/payment_intents', { headers: { 'Stripe-Version': '2024-06-20' } });
        assert.equal(older.status, 200);
        assert.equal(older.headers.get('stripe-version'), '2024-06-20');
        const pi = await createIntent(h, { amount: 1000, currency: 'usd' });
        assert.equal(pi.lastResponse.apiVersion, '2026-10-28.endive');
        assertError(await h.api('GET', '/v1/payment_intents', { headers: { 'Stripe-Version': 'banana' } }), 400);
      });
      it('unknown routes and methods → 404 with Stripe wording', async () => {
        assertError(await h.api('GET', '/v1/nope'), 404, { message: /^Unrecognized request URL \(GET: \/v1\/nope\)/ });
        assertError(await h.api('DELETE', '/v1/payment_intents/pi_123'), 404);
        // `/` is the dashboard (issue 12); any other unknown path is a Stripe 404.
        assertError(await h.api('GET', '/nope'), 404);
        assertError(await h.api('GET', '/v1/nope?x=%FF'), 404);
        assertError(await h.api('GET', `/v1/payment_intents/${'x'.repeat(300)}`), 404);
      });
    });

    describe('bad input changes nothing', () => {
      let before_: Record<string, number>;
      before(async () => {
        await authorizedIntent(h);
        before_ = await counts(h);
      });
      after(async () => {
        assert.deepEqual(await counts(h), before_, 'no rejected request wrote anything');
      });

      const create = (form: string) => h.api('POST', '/v1/payment_intents', { form });
      const cases: [string, string, number, Record<string, string | RegExp>][] = [
        [
          'missing amount',
          'currency=usd',
          400,
          { code: 'parameter_missing', param: 'amount', message: 'Missing required param: amount.' },
        ],
        ['missing currency', 'amount=1000', 400, { code: 'parameter_missing', param: 'currency' }],
        ['negative amount', 'amount=-100&currency=usd', 400, { code: 'parameter_invalid_integer', param: 'amount' }],
        [
          'fractional amount',
          'amount=10.5&currency=usd',
          400,
          { code: 'parameter_invalid_integer', param: 'amount', message: 'Invalid integer: 10.5' },
        ],
        ['non-numeric amount', 'amount=ten&currency=usd', 400, { code: 'parameter_invalid_integer', param: 'amount' }],
        ['amount above 99999999', 'amount=100000000&currency=usd', 400, { code: 'amount_too_large', param: 'amount' }],
        [
          'amount far above',
          'amount=999999999999999999999&currency=usd',
          400,
          { code: 'parameter_invalid_integer', param: 'amount' },
        ],
        ['amount below the minimum', 'amount=10&currency=usd', 400, { code: 'amount_too_small', param: 'amount' }],
        ['unknown currency', 'amount=1000&currency=zzz', 400, { param: 'currency', message: /^Invalid currency: zzz/ }],
        [
          'unknown parameter',
          'amount=1000&currency=usd&foo=bar',
          400,
          { code: 'parameter_unknown', param: 'foo', message: 'Received unknown parameter: foo' },
        ],
        [
          'unknown nested parameter',
          'amount=1000&currency=usd&payment_method_options[card_present][x]=1',
          400,
          { code: 'parameter_unknown', param: 'payment_method_options[card_present][x]' },
        ],
        ['wrong type (hash for string)', 'amount=1000&currency=usd&description[a]=b', 400, { param: 'description' }],
        ['wrong type (string for hash)', 'amount=1000&currency=usd&metadata=abc', 400, { param: 'metadata' }],
        ['bad enum', 'amount=1000&currency=usd&capture_method=later', 400, { param: 'capture_method' }],
        ['bad boolean', 'amount=1000&currency=usd&confirm=yes', 400, { param: 'confirm' }],
        [
          'bad payment method type',
          'amount=1000&currency=usd&payment_method_types[]=cash',
          400,
          { param: 'payment_method_types[0]' },
        ],
        [
          'unknown payment_method',
          'amount=1000&currency=usd&payment_method=pm_nope',
          404,
          { code: 'resource_missing', param: 'payment_method' },
        ],
        ['empty required value', 'amount=&currency=usd', 400, { code: 'parameter_missing', param: 'amount' }],
        [
          'empty capture_method',
          'amount=1000&currency=usd&capture_method=',
          400,
          { code: 'parameter_invalid_empty', param: 'capture_method' },
        ],
        [
          'invalid percent-encoding',
          'amount=1000&currency=usd&description=%E0%A4%A',
          400,
          { type: 'invalid_request_error' },
        ],
        [
          'deep nesting',
          `amount=1000&currency=usd&metadata${'[a]'.repeat(50)}=1`,
          400,
          { type: 'invalid_request_error' },
        ],
        [
          'too many parameters',
          `amount=1000&currency=usd&${Array.from({ length: 1500 }, (_, i) => `metadata[k${i}]=v`).join('&')}`,
          400,
          { type: 'invalid_request_error' },
        ],
        [
          '51 metadata keys',
          `amount=1000&currency=usd&${Array.from({ length: 51 }, (_, i) => `metadata[k${i}]=v`).join('&')}`,
          400,
          { param: 'metadata' },
        ],
        ['metadata key of 41 characters', `amount=1000&currency=usd&metadata[${'k'.repeat(41)}]=v`, 400, {}],
        [
          'metadata value of 501 characters',
          `amount=1000&currency=usd&metadata[k]=${'v'.repeat(501)}`,
          400,
          { param: 'metadata[k]' },
        ],
        // `__proto__` is kept as data (never dropped silently), so it is the first unknown parameter.
        [
          '__proto__ pollution',
          'amount=1000&currency=usd&__proto__[amount]=1&constructor[prototype][x]=1',
          400,
          { code: 'parameter_unknown', param: '__proto__' },
        ],
      ];
      for (const [label, form, status, expected] of cases) {
        it(`${label} → ${status}`, async () => {
          assertError(await create(form), status, expected);
        });
      }
      it('the same with stripe-node: amount too large, unknown currency', async () => {
        await rejectsStripe(createIntent(h, { amount: 100_000_000, currency: 'usd' }), {
          type: 'StripeInvalidRequestError',
          statusCode: 400,
          code: 'amount_too_large',
          param: 'amount',
        });
        await rejectsStripe(createIntent(h, { amount: 1000, currency: 'zzz' }), { statusCode: 400, param: 'currency' });
      });
      it('malformed JSON, JSON that is not an object, wrong content types', async () => {
        assertError(
          await h.api('POST', '/v1/payment_intents', { body: '{"amount": 10', contentType: 'application/json' }),
          400,
        );
        assertError(
          await h.api('POST', '/v1/payment_intents', { body: '[1,2]', contentType: 'application/json' }),
          400,
        );
        assertError(await h.api('POST', '/v1/payment_intents', { body: 'null', contentType: 'application/json' }), 400);
        assertError(
          await h.api('POST', '/v1/payment_intents', { body: '"x"', contentType: 'application/json; charset=utf-8' }),
          400,
        );
        assertError(await h.api('POST', '/v1/payment_intents', { body: '', contentType: 'application/json' }), 400);
        assertError(
          await h.api('POST', '/v1/payment_intents', { body: 'amount=1000&currency=usd', contentType: 'text/plain' }),
          415,
        );
        assertError(
          await h.api('POST', '/v1/payment_intents', { body: '<xml/>', contentType: 'application/xml' }),
          415,
        );
        assertError(
          await h.api('POST', '/v1/payment_intents', {
            body: 'amount=1000',
            contentType: 'multipart/form-data; boundary=x',
          }),
          415,
        );
        assertError(
          await h.api('POST', '/v1/payment_intents', {
            body: JSON.stringify({ amount: 1000, currency: 'usd', metadata: { a: { b: 1 } } }),
            contentType: 'application/json',
          }),
          400,
          { param: 'metadata[a]' },
        );
        assertError(
          await h.api('POST', '/v1/payment_intents', {
            body: JSON.stringify({ amount: 10.5, currency: 'usd' }),
            contentType: 'application/json',
          }),
          400,
          { param: 'amount' },
        );
        let deep: unknown = 1;
        for (let i = 0; i < 100; i += 1) deep = { a: deep };
        assertError(
          await h.api('POST', '/v1/payment_intents', {
            body: JSON.stringify({ amount: 1000, currency: 'usd', metadata: deep }),
            contentType: 'application/json',
          }),
          400,
        );
        assertError(
          await h.api('POST', '/v1/payment_intents', {
            body: `{"amount":1000,"currency":"usd","metadata":${'['.repeat(100_000)}${']'.repeat(100_000)}}`,
            contentType: 'application/json',
          }),
          400,
        );
      });
      it('invalid UTF-8 in a form body and in a JSON body', async () => {
        const bytes = Buffer.concat([
          Buffer.from('amount=1000&currency=usd&description='),
          Buffer.from([0xc3, 0x28, 0xff]),
        ]);
        assertError(
          await h.api('POST', '/v1/payment_intents', { body: bytes, contentType: 'application/x-www-form-urlencoded' }),
          400,
        );
        const json = Buffer.concat([
          Buffer.from('{"amount":1000,"currency":"usd","description":"'),
          Buffer.from([0xff]),
          Buffer.from('"}'),
        ]);
        assertError(await h.api('POST', '/v1/payment_intents', { body: json, contentType: 'application/json' }), 400);
        assertError(await h.api('GET', '/v1/payment_intents?limit=%FF'), 400);
      });
      it('oversized body (> 1 MiB) → 413', async () => {
        // The server may answer 413 and close before the client has written the whole body; fetch
        // then reports EPIPE instead of the answer, so these go through node:http, which keeps it.
        // A fresh connection each (agent: false: never a kept-alive socket the server may be closing),
        // bounded in time, and a connection that closes with no answer fails the test instead of
        // leaving it waiting forever.
        const post = (type: string, body: string) =>
          new Promise<{ status: number; body: { error?: { type?: string } } }>((resolve, reject) => {
            let answered = false;
            const request = httpRequest(
              `${h.server.baseUrl}/v1/payment_intents`,
              {
                method: 'POST',
                agent: false,
                timeout: requestTimeoutMs,
                headers: {
                  Authorization: `Bearer ${h.server.secretKey}`,
                  'Content-Type': type,
                  'Content-Length': Buffer.byteLength(body),
                },
              },
              (response) => {
                answered = true;
                let text = '';
                response.on('error', reject);
                response
                  .setEncoding('utf8')
                  .on('data', (chunk: string) => {
                    text += chunk;
                  })
                  .on('end', () =>
                    resolve({
                      status: response.statusCode ?? 0,
                      body: JSON.parse(text) as { error?: { type?: string } },
                    }),
                  );
              },
            );
            request.on('error', (error: NodeJS.ErrnoException) => {
              if (error.code !== 'EPIPE' && error.code !== 'ECONNRESET') reject(error);
            });
            request.on('timeout', () => request.destroy(new Error(`no answer in ${requestTimeoutMs} ms`)));
            request.on('close', () => {
              if (!answered) reject(new Error('the connection closed without an answer'));
            });
            request.end(body);
          });
        const form = await post(
          'application/x-www-form-urlencoded',
          `amount=1000&currency=usd&description=${'x'.repeat(1024 * 1024 + 10)}`,
        );
        assert.equal(form.status, 413);
        assert.equal(form.body.error?.type, 'invalid_request_error');
        const json = await post(
          'application/json',
          JSON.stringify({ amount: 1000, currency: 'usd', d: 'x'.repeat(1024 * 1024) }),
        );
        assert.equal(json.status, 413);
        assert.equal(json.body.error?.type, 'invalid_request_error');
      });
      it('ids that do not exist', async () => {
        for (const [method, path, param] of [
          ['GET', '/v1/payment_intents/pi_nope', 'intent'],
          ['POST', '/v1/payment_intents/pi_nope', 'intent'],
          ['POST', '/v1/payment_intents/pi_nope/capture', 'intent'],
          ['POST', '/v1/payment_intents/pi_nope/cancel', 'intent'],
          ['POST', '/v1/payment_intents/pi_nope/confirm', 'intent'],
          ['GET', '/v1/charges/ch_nope', 'charge'],
          ['POST', '/v1/charges/ch_nope', 'charge'],
          ['GET', '/v1/refunds/re_nope', 'refund'],
          ['POST', '/v1/refunds/re_nope', 'refund'],
          ['GET', '/v1/payment_methods/pm_nope', 'payment_method'],
          ['GET', '/v1/events/evt_nope', 'id'],
        ] as const) {
          assertError(await h.api(method, path, method === 'POST' ? { form: '' } : {}), 404, {
            code: 'resource_missing',
            param,
          });
        }
        assertError(
          await h.api('POST', '/v1/payment_intents/pi_nope/increment_authorization', { form: 'amount=2000' }),
          404,
          { code: 'resource_missing' },
        );
        // NUL in an id, a cursor or a filter (PostgreSQL text cannot hold it) is simply "not found".
        for (const path of ['/v1/payment_intents/pi_%00x', '/v1/charges/%00', '/v1/events/evt_%00']) {
          assertError(await h.api('GET', path), 404, { code: 'resource_missing' });
        }
        assertError(await h.api('POST', '/v1/refunds', { form: 'payment_intent=pi_%00' }), 404, {
          code: 'resource_missing',
        });
        assertError(
          await h.api('POST', '/v1/payment_intents', { form: 'amount=1000&currency=usd&payment_method=pm_%00' }),
          404,
          { code: 'resource_missing', param: 'payment_method' },
        );
        // A cursor names an object (docs/decisions.md): one holding NUL names none.
        assertError(await h.api('GET', '/v1/payment_intents?starting_after=pi_%00'), 404, {
          code: 'resource_missing',
          param: 'starting_after',
        });
        assertError(await h.api('GET', '/v1/payment_intents?ending_before=%00'), 404, {
          code: 'resource_missing',
          param: 'ending_before',
        });
        const page = await h.api('GET', '/v1/payment_intents?customer=a%00');
        assert.equal(page.status, 200, page.text);
        assert.deepEqual(page.body.data, []);
      });
      it('every invalid state transition', async () => {
        const pi = await authorizedIntent(h, { capture_method: 'automatic' });
        assertError(await h.api('POST', `/v1/payment_intents/${pi.id}/capture`, { form: '' }), 400, {
          code: 'payment_intent_unexpected_state',
        });
        assertError(await h.api('POST', `/v1/payment_intents/${pi.id}/cancel`, { form: '' }), 400, {
          code: 'payment_intent_unexpected_state',
        });
        assertError(await h.api('POST', `/v1/payment_intents/${pi.id}/confirm`, { form: '' }), 400, {
          code: 'payment_intent_unexpected_state',
        });
        assertError(await h.api('POST', `/v1/payment_intents/${pi.id}`, { form: 'amount=2000' }), 400, {
          code: 'payment_intent_unexpected_state',
          param: 'amount',
        });
        assertError(
          await h.api('POST', `/v1/payment_intents/${pi.id}/increment_authorization`, { form: 'amount=2000' }),
          400,
          { code: 'payment_intent_unexpected_state' },
        );
        assertError(await h.api('POST', `/opentill/v1/test/payment_intents/${pi.id}/present_card`, { form: '' }), 400, {
          code: 'intent_invalid_state',
        });
        // A refused confirm does not apply the parameters it carried.
        const refused = await h.api('POST', `/v1/payment_intents/${pi.id}/confirm`, {
          form: 'receipt_email=someone@example.com&capture_method=automatic',
        });
        assertError(refused, 400, { code: 'payment_intent_unexpected_state' });
        assert.equal((await h.stripe.paymentIntents.retrieve(pi.id)).receipt_email, null);
        const open = await createIntent(h, { amount: 1000, currency: 'usd' });
        assertError(
          await h.api('POST', `/v1/payment_intents/${open.id}/confirm`, { form: 'receipt_email=a@example.com' }),
          400,
          { code: 'payment_intent_unexpected_state', param: 'payment_method' },
        );
        assertError(
          await h.api('POST', `/v1/payment_intents/${open.id}/confirm`, {
            form: 'receipt_email=a@example.com&payment_method=pm_nope&capture_method=manual',
          }),
          404,
          { code: 'resource_missing', param: 'payment_method' },
        );
        const unchanged = await h.stripe.paymentIntents.retrieve(open.id);
        assert.equal(unchanged.receipt_email, null);
        assert.equal(unchanged.capture_method, 'automatic');
        // A tip that would take the total over the limit leaves no PaymentMethod behind.
        const pms = await countAll(h.api, '/v1/payment_methods');
        assertError(
          await h.api('POST', `/opentill/v1/test/payment_intents/${open.id}/present_card`, {
            form: 'amount_tip=99999000',
          }),
          400,
          { code: 'amount_too_large', param: 'amount_tip' },
        );
        assert.equal(await countAll(h.api, '/v1/payment_methods'), pms);
        // Undo this test's writes from the "nothing changed" check.
        before_ = await counts(h);
      });
    });

    describe('idempotency', () => {
      let n = 0;
      const key = () => `idem-${store}-${Date.now()}-${(n += 1)}`;
      const post = (path: string, form: string, idempotencyKey: string) =>
        h.api('POST', path, { form, headers: { 'Idempotency-Key': idempotencyKey } });

      it('a replay answers the stored response byte for byte, with Idempotent-Replayed: true', async () => {
        const k = key();
        const first = await post('/v1/payment_intents', 'amount=1000&currency=usd', k);
        assert.equal(first.status, 200);
        assert.equal(first.headers.get('idempotent-replayed'), null);
        const second = await post('/v1/payment_intents', 'amount=1000&currency=usd', k);
        assert.equal(second.status, 200);
        assert.equal(second.headers.get('idempotent-replayed'), 'true');
        assert.equal(second.text, first.text);
        assert.match(second.headers.get('request-id') ?? '', /^req_/);
        const list = await listAll(h.stripe.paymentIntents.list({ limit: 100 }));
        assert.equal(list.filter((p) => p.id === first.body.id).length, 1, 'created once');
        // stripe-node with an explicit key.
        const viaSdk = await createIntent(h, { amount: 1000, currency: 'usd' }, { idempotencyKey: k });
        assert.equal(viaSdk.id, first.body.id);
      });

      it('the same key with different parameters → 400 idempotency_error', async () => {
        const k = key();
        await post('/v1/payment_intents', 'amount=1000&currency=usd', k);
        const error = assertError(await post('/v1/payment_intents', 'amount=2000&currency=usd', k), 400, {
          type: 'idempotency_error',
          message:
            'Keys for idempotent requests can only be used with the same parameters they were first used with. ' +
            `Try using a key other than '${k}' if you meant to execute a different request.`,
        });
        assert.ok(error);
        await rejectsStripe(createIntent(h, { amount: 3000, currency: 'usd' }, { idempotencyKey: k }), {
          type: 'StripeIdempotencyError',
          statusCode: 400,
        });
        // The same key on another endpoint is a different request too.
        assertError(await post('/v1/refunds', 'amount=1000&currency=usd', k), 400, { type: 'idempotency_error' });
      });

      it('a validation failure is not stored: the same key with fixed params succeeds', async () => {
        const k = key();
        assertError(await post('/v1/payment_intents', 'amount=-1&currency=usd', k), 400);
        assertError(await post('/v1/payment_intents', 'amount=1000&currency=zzz', k), 400);
        assertError(await post('/v1/payment_intents', 'amount=1000&currency=usd&bogus=1', k), 400);
        const ok = await post('/v1/payment_intents', 'amount=1000&currency=usd', k);
        assert.equal(ok.status, 200, ok.text);
        assert.equal(ok.headers.get('idempotent-replayed'), null);
      });

      it('a 402 decline is stored and replayed; a 404 is stored too', async () => {
        const pi = await createIntent(h, { amount: 1000, currency: 'usd' });
        const k = key();
        const path = `/opentill/v1/test/payment_intents/${pi.id}/present_card`;
        const first = await post(path, 'number=4000000000000002', k);
        assertError(first, 402, { code: 'card_declined' });
        const replay = await post(path, 'number=4000000000000002', k);
        assert.equal(replay.status, 402);
        assert.equal(replay.headers.get('idempotent-replayed'), 'true');
        assert.equal(replay.text, first.text);
        const charges = await h.stripe.charges.list({ payment_intent: pi.id });
        assert.equal(charges.data.length, 1, 'the decline was not run twice');
        const missingKey = key();
        const missing = await post('/v1/payment_intents/pi_nope/cancel', '', missingKey);
        assertError(missing, 404);
        assert.equal(
          (await post('/v1/payment_intents/pi_nope/cancel', '', missingKey)).headers.get('idempotent-replayed'),
          'true',
        );
      });

      it('concurrent requests with the same key: one runs, the others get 409 idempotency_key_in_use', async () => {
        // Slow requests widen the window: a big metadata body makes each request do real work.
        const form = `amount=1000&currency=usd&${Array.from({ length: 50 }, (_, i) => `metadata[k${i}]=${'v'.repeat(400)}`).join('&')}`;
        // A second process on the same database: one SQLite process runs each request to the end
        // before reading the next, so only two processes can truly overlap there.
        const peer = await h.peer!();
        for (let round = 0; round < 10; round += 1) {
          const k = key();
          const responses = await Promise.all(
            Array.from({ length: 8 }, (_, i) =>
              raw(i % 2 ? peer : h.server, 'POST', '/v1/payment_intents', {
                key: h.server.secretKey,
                form,
                headers: { 'Idempotency-Key': k },
              }),
            ),
          );
          const statuses = responses.map((r) => r.status);
          for (const response of responses) {
            if (response.status === 409) {
              assertError(response, 409, {
                code: 'idempotency_key_in_use',
                message:
                  'There is currently another in-progress request using this Idempotent Key (that probably means ' +
                  `you submitted twice, and the other request is still going through): ${k}. Please try again later.`,
              });
            } else {
              assert.equal(response.status, 200, response.text);
            }
          }
          const ids = new Set(responses.filter((r) => r.status === 200).map((r) => r.body.id));
          assert.equal(ids.size, 1, `every success is the same PaymentIntent (statuses ${statuses.join(',')})`);
          const fresh = responses.filter((r) => r.status === 200 && r.headers.get('idempotent-replayed') === null);
          assert.equal(fresh.length, 1, 'exactly one request ran');
          if (statuses.includes(409)) return;
        }
        assert.fail('no 409 seen in 10 rounds of 8 concurrent requests');
      });

      it('a key longer than 255 characters → 400; 255 is fine', async () => {
        assertError(await post('/v1/payment_intents', 'amount=1000&currency=usd', 'k'.repeat(256)), 400);
        assert.equal(
          (await post('/v1/payment_intents', 'amount=1000&currency=usd', 'k'.repeat(254) + String((n += 1)).slice(-1)))
            .status,
          200,
        );
      });

      it('GET ignores Idempotency-Key', async () => {
        const k = key();
        const first = await h.api('GET', '/v1/payment_intents?limit=1', { headers: { 'Idempotency-Key': k } });
        await createIntent(h, { amount: 1000, currency: 'usd' });
        const second = await h.api('GET', '/v1/payment_intents?limit=1', { headers: { 'Idempotency-Key': k } });
        assert.equal(second.headers.get('idempotent-replayed'), null);
        assert.notEqual(second.body.data[0].id, first.body.data[0].id);
      });

      it('stripe-node retries after a network-level failure reuse its key (one object)', async () => {
        // A proxy that lets the first request reach the server, then cuts the connection as the
        // response starts: the PaymentIntent is created but stripe-node never hears of it.
        const proxy = await droppingProxy(h.server.port);
        try {
          const before = await countAll(h.api, '/v1/payment_intents');
          const sdk = stripeFor({ port: proxy.port }, h.server.secretKey, { maxNetworkRetries: 2 });
          const created = await sdk.paymentIntents.create({ amount: 1234, currency: 'usd' });
          assert.equal(proxy.dropped(), 1, 'the first response was dropped');
          assert.equal(
            created.lastResponse.headers['idempotent-replayed'],
            'true',
            'the retry was answered from the first run',
          );
          assert.match(created.lastResponse.idempotencyKey ?? '', /^stripe-node-retry-/);
          assert.equal(await countAll(h.api, '/v1/payment_intents'), before + 1, 'exactly one PaymentIntent');
          assert.equal((await h.stripe.paymentIntents.retrieve(created.id)).amount, 1234);
        } finally {
          await proxy.close();
        }
      });
    });
  });
}

/** Two accounts in one database: each key only sees its own objects. */
for (const store of stores) {
  describe(`account isolation (${store})`, () => {
    let a: RunningServer;
    let b: RunningServer;
    let cleanup: () => Promise<void> = async () => undefined;
    before(async () => {
      if (store === 'sqlite') {
        const dataDir = mkdtempSync(join(tmpdir(), 'opentill-iso-'));
        cleanup = async () => rmSync(dataDir, { recursive: true, force: true });
        a = await startServer({ store, name: 'iso_a', dataDir });
        b = await startServer({ store, name: 'iso_b', dataDir });
      } else {
        const pg = await testPostgres();
        const schema = await freshSchema(pg.url, 'e2e_isolation');
        cleanup = schema.drop;
        a = await startServer({ store, name: 'iso_a', database: schema.url });
        b = await startServer({ store, name: 'iso_b', database: schema.url });
      }
    });
    after(async () => {
      await stopServer(a);
      await stopServer(b);
      await cleanup();
    });

    it('ids of another account → resource_missing, and nothing is written', async () => {
      assert.notEqual(a.secretKey, b.secretKey);
      const sa = stripeFor(a, a.secretKey);
      const sb = stripeFor(b, b.secretKey);
      const harnessA = {
        server: a,
        stripe: sa,
        api: (m: string, p: string, o = {}) => raw(a, m, p, { key: a.secretKey, ...o }),
      };
      const pi = await authorizedIntent(harnessA, { capture_method: 'automatic' });
      const pm = await readCard(harnessA);
      const chargeId = String(pi.latest_charge);
      const refund = await sa.refunds.create({ payment_intent: pi.id, amount: 100 });
      const event = (await sa.events.list({ limit: 1 })).data[0]!;

      const countsOfA = async () =>
        Object.fromEntries(
          await Promise.all(
            ['payment_intents', 'charges', 'refunds', 'events', 'payment_methods'].map(async (path) => [
              path,
              await countAll(harnessA.api, `/v1/${path}`),
            ]),
          ),
        );
      const beforeCounts = await countsOfA();

      // B can reach A's server process and vice versa: accounts, not processes, separate the data.
      const crossB = stripeFor(a, b.secretKey);
      for (const client of [sb, crossB]) {
        const missing = { statusCode: 404, code: 'resource_missing' };
        await rejectsStripe(client.paymentIntents.retrieve(pi.id), missing);
        await rejectsStripe(client.paymentIntents.update(pi.id, { metadata: { x: '1' } }), missing);
        await rejectsStripe(client.paymentIntents.cancel(pi.id), missing);
        await rejectsStripe(client.paymentIntents.capture(pi.id), missing);
        await rejectsStripe(client.paymentIntents.incrementAuthorization(pi.id, { amount: 2000 }), missing);
        await rejectsStripe(client.paymentMethods.retrieve(pm.id), missing);
        await rejectsStripe(client.charges.retrieve(chargeId), missing);
        await rejectsStripe(client.charges.update(chargeId, { description: 'x' }), missing);
        await rejectsStripe(client.refunds.retrieve(refund.id), missing);
        await rejectsStripe(client.refunds.update(refund.id, { metadata: { x: '1' } }), missing);
        await rejectsStripe(client.refunds.create({ charge: chargeId }), missing);
        await rejectsStripe(client.refunds.create({ payment_intent: pi.id }), missing);
        await rejectsStripe(client.events.retrieve(event.id), missing);
        const other = await client.paymentIntents.create({ amount: 1000, currency: 'usd' });
        await rejectsStripe(client.paymentIntents.confirm(other.id, { payment_method: pm.id }), missing);
        await client.paymentIntents.cancel(other.id);
        // Lists and cursors never show the other account's objects.
        assert.ok(!(await listAll(client.paymentIntents.list({ limit: 100 }))).some((p) => p.id === pi.id));
        await rejectsStripe(client.paymentIntents.list({ starting_after: pi.id }), {
          ...missing,
          param: 'starting_after',
        });
        assert.deepEqual((await client.charges.list({ payment_intent: pi.id })).data, []);
        assert.deepEqual((await client.refunds.list({ charge: chargeId })).data, []);
        const presented = await raw(a, 'POST', `/opentill/v1/test/payment_intents/${pi.id}/present_card`, {
          key: b.secretKey,
          form: {},
        });
        assertError(presented, 404, { code: 'resource_missing' });
      }
      // A's objects are untouched, and nothing was added to A.
      assert.deepEqual(await countsOfA(), beforeCounts);
      const after = await sa.paymentIntents.retrieve(pi.id);
      assert.deepEqual(after.metadata, {});
      assert.equal(after.status, 'succeeded');
      assert.equal((await sa.charges.retrieve(chargeId)).amount_refunded, 100);
      assert.equal((await sa.refunds.list({ charge: chargeId })).data.length, 1);
      // The same idempotency key in two accounts is two requests.
      const k = `shared-${store}-${Date.now()}`;
      const fromA = await sa.paymentIntents.create({ amount: 1000, currency: 'usd' }, { idempotencyKey: k });
      const fromB = await sb.paymentIntents.create({ amount: 2000, currency: 'usd' }, { idempotencyKey: k });
      assert.notEqual(fromA.id, fromB.id);
      assert.equal(fromB.amount, 2000);
    });
  });
}
