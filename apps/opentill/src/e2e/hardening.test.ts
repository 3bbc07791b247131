/**
 * Defects found by the hardening review (issue 10), each pinned by a black-box test against a real
 * server: limits that held per request but not per total, per server but not per account, and
 * inputs that were dropped or reflected instead of refused or stored.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Stripe from 'stripe';
import WebSocket from 'ws';
import { limits } from '@opentill/core';
import { startServer, type RunningServer } from '@opentill/testkit';
import { assertError, sleep, stopServer, useServer, type Json } from './helpers.js';

describe('hardening (sqlite)', () => {
  const h = useServer('sqlite', 'hardening');

  it('a tip through present_payment_method cannot lift the amount past the 8-digit limit', async () => {
    const location = await h.stripe.terminal.locations.create({
      display_name: 'Tips',
      address: { line1: '1 Main St', city: 'Paris', postal_code: '75002', country: 'FR' },
    });
    const reader = await h.stripe.terminal.readers.create({
      registration_code: 'simulated-wpe',
      location: location.id,
    });
    const intent = await h.stripe.paymentIntents.create({
      amount: 99_999_999,
      currency: 'eur',
      payment_method_types: ['card_present'],
      capture_method: 'manual',
    } as never);
    await h.stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: intent.id });
    const refused = await h.api('POST', `/v1/test_helpers/terminal/readers/${reader.id}/present_payment_method`, {
      form: { amount_tip: 1 },
    });
    assertError(refused, 400, { type: 'invalid_request_error', code: 'amount_too_large', param: 'amount_tip' });
    // Nothing was authorized: the PaymentIntent still waits for a card, and a card without a tip pays.
    assert.equal((await h.stripe.paymentIntents.retrieve(intent.id)).status, 'requires_payment_method');
    await h.stripe.testHelpers.terminal.readers.presentPaymentMethod(reader.id);
    const paid = await h.stripe.paymentIntents.retrieve(intent.id);
    assert.equal(paid.status, 'requires_capture');
    assert.equal(paid.amount, 99_999_999);
  });

  it('metadata keys Stripe accepts (`_internal`, `__proto__`, `constructor`) are stored and shown faithfully', async () => {
    // JSON.parse makes `__proto__` an own data key (an object literal would set the prototype).
    const want = JSON.parse('{"_internal":"a","__proto__":"b","constructor":"c","toString":"d","order":"e"}') as Json;
    const form =
      'amount=1000&currency=usd&metadata[_internal]=a&metadata[__proto__]=b&metadata[constructor]=c' +
      '&metadata[toString]=d&metadata[order]=e';
    // The form through the fast decoder path, a percent-encoded form through qs, and a JSON body.
    const created = [
      await h.api('POST', '/v1/payment_intents', { form }),
      await h.api('POST', '/v1/payment_intents', { form: form.replace(/\[/g, '%5B').replace(/\]/g, '%5D') }),
      await h.api('POST', '/v1/payment_intents', { json: { amount: 1000, currency: 'usd', metadata: want } }),
    ];
    for (const response of created) {
      assert.equal(response.status, 200, response.text);
      assert.deepEqual(response.body.metadata, want);
      const id = response.body.id as string;
      assert.deepEqual((await h.api('GET', `/v1/payment_intents/${id}`)).body.metadata, want, 'retrieved');
      assert.deepEqual((await h.stripe.paymentIntents.retrieve(id)).metadata, want, 'through stripe-node');
    }
    // An update unsets one of them and keeps the others; the event carries them too.
    const id = created[0]!.body.id as string;
    const updated = await h.api('POST', `/v1/payment_intents/${id}`, {
      form: 'metadata[__proto__]=&metadata[_internal]=z',
    });
    assert.equal(updated.status, 200, updated.text);
    assert.deepEqual(
      updated.body.metadata,
      JSON.parse('{"_internal":"z","constructor":"c","toString":"d","order":"e"}'),
    );
    const events = await h.api('GET', '/v1/events?type=payment_intent.created&limit=3');
    assert.ok(
      events.body.data.some(
        (event: Json) =>
          event.data.object.metadata['__proto__'] === 'b' && event.data.object.metadata['_internal'] === 'a',
      ),
    );
    // The global prototype was never touched.
    assert.equal(({} as Record<string, unknown>)['_internal'], undefined);
  });

  it('an SDK session reaches only the PaymentIntents its token may: by client secret, within its Location', async () => {
    const address = { line1: '1 Main St', city: 'Paris', postal_code: '75002', country: 'FR' };
    const [here, there] = [
      await h.stripe.terminal.locations.create({ display_name: 'Here', address }),
      await h.stripe.terminal.locations.create({ display_name: 'There', address }),
    ];
    const otherReader = await h.stripe.terminal.readers.create({
      registration_code: 'simulated-wpe',
      location: there.id,
    });
    const intent = () =>
      h.stripe.paymentIntents.create({
        amount: 1000,
        currency: 'eur',
        payment_method_types: ['card_present'],
        capture_method: 'manual',
      } as never);
    // Authorized at the other Location's reader.
    const elsewhere = await intent();
    await h.stripe.terminal.readers.processPaymentIntent(otherReader.id, { payment_intent: elsewhere.id });
    await h.stripe.testHelpers.terminal.readers.presentPaymentMethod(otherReader.id);
    assert.equal((await h.stripe.paymentIntents.retrieve(elsewhere.id)).status, 'requires_capture');
    const neverSeen = await intent();

    const token = await h.stripe.terminal.connectionTokens.create({ location: here.id });
    const opened = await h.api('POST', '/opentill/v1/sdk/sessions', {
      key: null,
      json: { connection_token: token.secret },
    });
    assert.equal(opened.status, 200, opened.text);
    const sdk = (path: string, json: Json) =>
      h.api('POST', `/opentill/v1/sdk${path}`, { key: opened.body.secret, json });

    // An id alone reaches nothing.
    const byId = await sdk('/payment_intents/cancel', { payment_intent: neverSeen.id });
    assertError(byId, 400, { code: 'parameter_missing', param: 'client_secret' });
    // A PaymentIntent processed at another Location's reader is out of scope, even with its client secret.
    for (const path of ['/payment_intents/cancel', '/payment_intents/retrieve']) {
      const refused = await sdk(path, { client_secret: elsewhere.client_secret });
      assert.equal(refused.status, 403, refused.text);
      assert.equal(refused.body.error.code, 'location_out_of_scope');
    }
    assert.equal((await h.stripe.paymentIntents.retrieve(elsewhere.id)).status, 'requires_capture');
    assert.equal((await h.stripe.paymentIntents.retrieve(neverSeen.id)).status, 'requires_payment_method');
    // process_payment only takes the PaymentIntent the session's own reader collected.
    const ownReader = await h.stripe.terminal.readers.create({ registration_code: 'simulated-wpe', location: here.id });
    assert.equal((await sdk('/connection', { reader: ownReader.id })).status, 200);
    const notCollected = await sdk('/process_payment', { payment_intent: neverSeen.id });
    assert.equal(notCollected.status, 400, notCollected.text);
    assert.equal(notCollected.body.error.code, 'invalid_argument');
    assert.equal((await h.stripe.paymentIntents.retrieve(neverSeen.id)).status, 'requires_payment_method');
    // With the client secret the merchant's backend handed over, in scope: canceled.
    const canceled = await sdk('/payment_intents/cancel', {
      client_secret: neverSeen.client_secret,
      payment_intent: neverSeen.id,
    });
    assert.equal(canceled.status, 200, canceled.text);
    assert.equal(canceled.body.status, 'canceled');
  });

  /** Creates a screen session with raw headers (fetch may not set Host); returns the JSON body. */
  function screenSession(readerId: string, headers: Record<string, string>): Promise<Json> {
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port: h.server.port,
          method: 'POST',
          path: `/opentill/v1/terminal/readers/${readerId}/screen_sessions`,
          headers: { authorization: `Bearer ${h.server.secretKey}`, ...headers },
          timeout: 10_000,
        },
        (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => {
            text += chunk.toString();
          });
          res.on('end', () =>
            res.statusCode === 200 ? resolve(JSON.parse(text)) : reject(new Error(`${res.statusCode}: ${text}`)),
          );
        },
      );
      req.on('error', reject);
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.end();
    });
  }

  async function simulatedReader(): Promise<Stripe.Terminal.Reader> {
    const location = await h.stripe.terminal.locations.create({ display_name: 'Screen', address: { country: 'FR' } });
    return h.stripe.terminal.readers.create({ registration_code: 'simulated-wpe', location: location.id });
  }

  it('screen-session URLs never reflect a forged Host or X-Forwarded-Proto (no --trust-proxy)', async () => {
    const reader = await simulatedReader();
    const local = `http://127.0.0.1:${h.server.port}`;
    const forged: Array<Record<string, string>> = [
      { host: 'javascript://evil', 'x-forwarded-proto': 'javascript' },
      { host: 'evil.example/"><script>', 'x-forwarded-proto': 'https' },
      { 'x-forwarded-proto': 'javascript://evil.example/#' },
    ];
    for (const headers of forged) {
      const session = await screenSession(reader.id, headers);
      assert.ok(String(session.url).startsWith(`${local}/opentill/screen/${reader.id}?token=`), session.url);
      assert.ok(
        String(session.websocket_url).startsWith(`ws://127.0.0.1:${h.server.port}/opentill/v1/screen/connect?token=`),
        session.websocket_url,
      );
    }
    // A well-formed Host is used (a phone on the LAN reaches the server by it), with http: no proxy is trusted.
    const named = await screenSession(reader.id, { host: 'till.local:4242', 'x-forwarded-proto': 'https' });
    assert.ok(String(named.url).startsWith('http://till.local:4242/opentill/screen/'), named.url);
  });

  it('a screen viewer is closed (4001 reader_revoked) when its reader is deleted, like the device', async () => {
    const reader = await simulatedReader();
    const session = await screenSession(reader.id, {});
    const viewer = new WebSocket(
      String(session.websocket_url).replace(/^ws:\/\/[^/]+/, `ws://127.0.0.1:${h.server.port}`),
    );
    const firstScreen = new Promise((resolve, reject) => {
      viewer.once('message', resolve);
      viewer.once('error', reject);
    });
    // The guard fails the test instead of hanging it if the viewer is never closed (the defect).
    let guard: NodeJS.Timeout | undefined;
    const closed = new Promise<{ code: number; reason: string }>((resolve, reject) => {
      guard = setTimeout(() => {
        viewer.terminate();
        reject(new Error('the viewer was not closed'));
      }, 20_000);
      viewer.once('close', (code, reason) => {
        clearTimeout(guard);
        resolve({ code, reason: reason.toString() });
      });
    });
    await firstScreen;
    await h.stripe.terminal.readers.del(reader.id);
    assert.deepEqual(await closed, { code: 4001, reason: 'reader_revoked' });
    // Its session no longer opens a viewer.
    const again = new WebSocket(
      String(session.websocket_url).replace(/^ws:\/\/[^/]+/, `ws://127.0.0.1:${h.server.port}`),
    );
    const status = await new Promise<number>((resolve) => {
      again.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      again.on('error', () => resolve(-1));
    });
    assert.equal(status, 401);
  });
});

describe('event streams (opentill listen): the cap is per account as well as per server', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'opentill-streams-'));
  const keys = { a: `sk_test_streamsa${process.pid}x${Date.now()}`, b: `sk_test_streamsb${process.pid}x${Date.now()}` };
  let server: RunningServer;
  const controllers: AbortController[] = [];
  before(async () => {
    // A server started once with key b, then with key a on the same data dir, serves both accounts.
    await stopServer(await startServer({ store: 'sqlite', name: 'streams_b', dataDir, secretKey: keys.b }));
    server = await startServer({ store: 'sqlite', name: 'streams_a', dataDir, secretKey: keys.a });
  });
  after(async () => {
    for (const controller of controllers) controller.abort();
    await stopServer(server);
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** Opens a stream; on 200 waits for its `ready` event and keeps it open. Returns the status and body. */
  async function openStream(key: string): Promise<{ status: number; text: string; controller: AbortController }> {
    const controller = new AbortController();
    controllers.push(controller);
    const response = await fetch(`${server.baseUrl}/opentill/v1/events/stream`, {
      headers: { authorization: `Bearer ${key}` },
      signal: controller.signal,
    });
    if (response.status !== 200) return { status: response.status, text: await response.text(), controller };
    const reader = response.body!.getReader();
    let text = '';
    for (let chunks = 0; !text.includes('event: ready'); chunks += 1) {
      assert.ok(chunks < 100, 'no ready event');
      const chunk = await reader.read();
      assert.ok(!chunk.done, 'stream ended before ready');
      text += new TextDecoder().decode(chunk.value);
    }
    return { status: 200, text, controller };
  }

  it('an account holding its share gets rate_limit; another account on the same server still opens one', async () => {
    const held = [];
    for (let i = 0; i < limits.eventStreamPerAccountCountMax; i += 1) held.push(await openStream(keys.a));
    assert.deepEqual(
      held.map((stream) => stream.status),
      held.map(() => 200),
    );
    const refused = await openStream(keys.a);
    assert.equal(refused.status, 429, refused.text);
    const error = JSON.parse(refused.text).error;
    assert.equal(error.type, 'invalid_request_error');
    assert.equal(error.code, 'rate_limit');
    assert.match(error.message, /for this account/);
    assert.equal((await openStream(keys.b)).status, 200);
    // Closing one frees its slot (the server sees the close asynchronously: bounded retries).
    held[0]!.controller.abort();
    let reopened = 0;
    for (let attempt = 0; attempt < 100 && reopened !== 200; attempt += 1) {
      if (attempt > 0) await sleep(50);
      reopened = (await openStream(keys.a)).status;
    }
    assert.equal(reopened, 200);
  });
});

describe('sockets a client leaves unfinished are closed', () => {
  let server: RunningServer;
  before(async () => {
    // Short timeouts so the test waits little; the defaults are in limits.ts.
    server = await startServer({
      store: 'sqlite',
      name: 'sockets',
      env: {
        OPENTILL_HTTP_HEADERS_TIMEOUT_MS: '300',
        OPENTILL_HTTP_REQUEST_TIMEOUT_MS: '600',
      },
    });
  });
  after(() => stopServer(server));

  /** Writes `text` on a raw TCP connection and resolves with everything received once the server closes it. */
  function untilClosed(text: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = connect(server.port, '127.0.0.1');
      let received = '';
      // A guard against a hang (the defect): fails the test instead of holding it.
      const guard = setTimeout(() => {
        socket.destroy();
        reject(new Error(`socket still open; received: ${received}`));
      }, 20_000);
      socket.on('data', (chunk) => {
        received += chunk.toString();
      });
      socket.on('error', () => undefined);
      socket.on('close', () => {
        clearTimeout(guard);
        resolve(received);
      });
      if (text) socket.write(text);
    });
  }

  const upgrade = (path: string) =>
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
    'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n';

  it('a WebSocket upgrade to a path that is not a WebSocket endpoint is refused with 404 and closed', async () => {
    for (const path of ['/', '/v1/payment_intents', '/opentill/v1/events/stream', '/nowhere']) {
      const answer = await untilClosed(upgrade(path));
      assert.match(answer, /^HTTP\/1\.1 404 /, path);
      assert.equal(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)).error.code, 'route_unknown');
    }
  });

  it('a screen upgrade without a valid token is refused with 401 and closed', async () => {
    assert.match(await untilClosed(upgrade('/opentill/v1/screen/connect?token=otscr_x.nope')), /^HTTP\/1\.1 401 /);
  });

  it('a request whose body never completes, or whose headers never do, is answered 408 and closed', async () => {
    const stalledBody = await untilClosed(
      `POST /v1/payment_intents HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${server.secretKey}\r\n` +
        'Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\namount=10',
    );
    const stalledHeaders = await untilClosed('GET /v1/payment_intents HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    // A connection that sends nothing at all is closed too.
    const silent = await untilClosed('');
    for (const answer of [stalledBody, stalledHeaders, silent]) {
      assert.match(answer, /^HTTP\/1\.1 408 /);
      assert.equal(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)).error.type, 'invalid_request_error');
    }
  });
});
