/**
 * Endpoint fuzzing (seeded, so a failure reproduces): random forms, JSON bodies, raw bytes and
 * query strings against a few endpoints. Every answer is a 2xx or a Stripe-format 4xx in JSON —
 * never a 5xx, never a hang — and the server still answers afterwards.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import fc from 'fast-check';
import { authorizedIntent, createIntent, raw, stores, useServer, type RawResponse } from './helpers.js';

const runsPerProperty = 60;

for (const store of stores) {
  describe(`endpoint fuzz (${store})`, () => {
    const h = useServer(store, `e2e_fuzz_${store}`);
    const paths: string[] = [];
    before(async () => {
      const open = await createIntent(h, { amount: 1000, currency: 'usd' });
      const authorized = await authorizedIntent(h);
      const paid = await authorizedIntent(h, { capture_method: 'automatic' });
      paths.push(
        '/v1/payment_intents',
        `/v1/payment_intents/${open.id}`,
        `/v1/payment_intents/${authorized.id}/capture`,
        `/v1/payment_intents/${authorized.id}/increment_authorization`,
        `/v1/payment_intents/${open.id}/confirm`,
        `/v1/payment_intents/${open.id}/cancel`,
        '/v1/refunds',
        `/v1/charges/${String(paid.latest_charge)}`,
        '/opentill/v1/test/payment_methods',
        `/opentill/v1/test/payment_intents/${open.id}/present_card`,
        '/opentill/v1/tap_to_pay/settings',
      );
    });

    /** The invariant: a JSON 2xx, or a 4xx with the error envelope; never a 5xx or a hang. */
    function check(response: RawResponse, what: string): void {
      assert.ok(response.status < 500, `${what} → ${response.status}: ${response.text.slice(0, 300)}`);
      assert.match(response.headers.get('request-id') ?? '', /^req_/, what);
      if (response.status >= 400) {
        const error = response.body?.error;
        assert.ok(
          error && typeof error.type === 'string' && typeof error.message === 'string',
          `${what}: ${response.text.slice(0, 300)}`,
        );
      }
    }

    const key = fc.constantFrom(
      'amount',
      'currency',
      'metadata',
      'cvm_limits',
      'beta_countries',
      'GB',
      'limit',
      'capture_method',
      'payment_method_types',
      'confirm',
      'payment_method_options',
      'card_present',
      'payment_method',
      'expand',
      'description',
      'amount_to_capture',
      'payment_intent',
      'charge',
      'number',
      'pin',
      'amount_tip',
      'read_method',
      'limit',
      'starting_after',
      'created',
      'type',
      'types',
      'gt',
      '0',
      '',
      '__proto__',
      'constructor',
      'prototype',
      'x',
    );
    const value = fc.oneof(
      fc.constantFrom(
        '',
        '1000',
        '-1',
        '0',
        '1.5',
        '99999999',
        '100000000',
        '1e3',
        'usd',
        'eur',
        'true',
        'manual',
        'card_present',
        'pi_x',
        'latest_charge',
        '4242424242424242',
        '4000000000000002',
        '1234',
        '%',
        '%FF',
        'null',
        '%00',
        'pi_%00',
        '\u0000',
      ),
      fc.string({ maxLength: 12 }),
    );
    const pair = fc.tuple(fc.array(key, { minLength: 1, maxLength: 4 }), value, fc.boolean()).map(
      ([segments, v, encode]) =>
        `${segments[0]}${segments
          .slice(1)
          .map((s) => `[${s}]`)
          .join('')}=${encode ? encodeURIComponent(v) : v}`,
    );
    const form = fc.array(pair, { maxLength: 10 }).map((pairs) => pairs.join('&'));
    const pathIndex = fc.nat();
    const run = <T>(property: fc.IAsyncProperty<T>, seed: number) =>
      fc.assert(property, { seed, numRuns: runsPerProperty, endOnFailure: true });

    it('random forms (POST bodies)', async () => {
      await run(
        fc.asyncProperty(pathIndex, form, async (i, body) => {
          const path = paths[i % paths.length]!;
          check(await h.api('POST', path, { form: body }), `POST ${path} ${body}`);
        }),
        1,
      );
    });

    it('random query strings (GET)', async () => {
      const getPaths = ['/v1/payment_intents', '/v1/events', '/v1/charges', '/v1/refunds', '/v1/payment_methods'];
      await run(
        fc.asyncProperty(fc.nat(), form, async (i, query) => {
          const path = `${getPaths[i % getPaths.length]!}?${query}`;
          check(await h.api('GET', path), `GET ${path}`);
        }),
        2,
      );
    });

    it('random JSON bodies', async () => {
      await run(
        fc.asyncProperty(
          pathIndex,
          fc.oneof(fc.dictionary(key, fc.jsonValue({ maxDepth: 5 }), { maxKeys: 6 }), fc.jsonValue({ maxDepth: 3 })),
          async (i, body) => {
            const path = paths[i % paths.length]!;
            check(
              await h.api('POST', path, { body: JSON.stringify(body), contentType: 'application/json' }),
              `POST ${path} json ${JSON.stringify(body).slice(0, 200)}`,
            );
          },
        ),
        3,
      );
    });

    it('random bytes with random content types', async () => {
      const contentType = fc.constantFrom(
        'application/x-www-form-urlencoded',
        'application/json',
        'text/plain',
        '',
        'application/x-www-form-urlencoded; charset=latin1',
        'application/json; charset=utf-16',
        'multipart/form-data',
      );
      await run(
        fc.asyncProperty(pathIndex, fc.uint8Array({ maxLength: 200 }), contentType, async (i, bytes, type) => {
          const path = paths[i % paths.length]!;
          check(
            await h.api('POST', path, { body: Buffer.from(bytes), ...(type ? { contentType: type } : {}) }),
            `POST ${path} bytes ${Buffer.from(bytes).toString('hex').slice(0, 100)} as ${type}`,
          );
        }),
        4,
      );
    });

    it('random headers: keys, versions, idempotency keys', async () => {
      const header = fc.string({ maxLength: 300 }).map((s) => s.replace(/[^\x20-\x7e]/g, ''));
      await run(
        fc.asyncProperty(header, header, header, fc.boolean(), async (auth, version, idem, withKey) => {
          const headers: Record<string, string> = { 'Stripe-Version': version, 'Idempotency-Key': idem };
          if (!withKey) headers['Authorization'] = auth;
          check(
            await raw(h.server, 'POST', '/v1/payment_intents', {
              key: withKey ? h.server.secretKey : null,
              headers,
              form: 'amount=1000&currency=usd',
            }),
            `headers ${JSON.stringify(headers).slice(0, 200)}`,
          );
        }),
        5,
      );
    });

    it('random path segments (ids, encodings, lengths)', async () => {
      const segment = fc.oneof(
        fc.string({ maxLength: 40 }).map((x) => encodeURIComponent(x)),
        fc.constantFrom('%FF', '%E0%A4%A', '%', '%2F', '..', '.', '%00', 'pi_', 'x'.repeat(256), '%C0%AF', '~', '%25'),
        fc.stringMatching(/^[a-z]{2,4}_[A-Za-z0-9]{0,30}$/),
      );
      const templates = [
        '/v1/payment_intents/{}',
        '/v1/payment_intents/{}/capture',
        '/v1/charges/{}',
        '/v1/refunds/{}',
        '/v1/events/{}',
        '/v1/payment_methods/{}',
        '/v1/{}',
        '/opentill/v1/test/payment_intents/{}/present_card',
      ];
      await run(
        fc.asyncProperty(fc.nat(), segment, fc.boolean(), async (i, id, post) => {
          const path = templates[i % templates.length]!.replace('{}', id);
          check(await h.api(post ? 'POST' : 'GET', path, post ? { form: '' } : {}), `${post ? 'POST' : 'GET'} ${path}`);
        }),
        6,
      );
    });

    it('the server still answers normally afterwards', async () => {
      const pi = await authorizedIntent(h);
      assert.equal((await h.stripe.paymentIntents.capture(pi.id)).status, 'succeeded');
    });
  });
}
