/**
 * Defects found by the hardening review (issue 10), each pinned by a black-box test against a real
 * server: limits that held per request but not per total, per server but not per account, and
 * inputs that were dropped or reflected instead of refused or stored.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { limits } from '@opentill/core';
import { startServer, type RunningServer } from '@opentill/testkit';
import { assertError, sleep, stopServer, useServer } from './helpers.js';

describe('hardening (sqlite)', () => {
  const h = useServer('sqlite', 'hardening');

  it('a tip through present_payment_method cannot lift the amount past the 8-digit limit', async () => {
    const location = await h.stripe.terminal.locations.create({
      display_name: 'Tips', address: { line1: '1 Main St', city: 'Paris', postal_code: '75002', country: 'FR' },
    });
    const reader = await h.stripe.terminal.readers.create({ registration_code: 'simulated-wpe', location: location.id });
    const intent = await h.stripe.paymentIntents.create({
      amount: 99_999_999, currency: 'eur', payment_method_types: ['card_present'], capture_method: 'manual',
    } as never);
    await h.stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: intent.id });
    const refused = await h.api('POST', `/v1/test_helpers/terminal/readers/${reader.id}/present_payment_method`,
      { form: { amount_tip: 1 } });
    assertError(refused, 400, { type: 'invalid_request_error', code: 'amount_too_large', param: 'amount_tip' });
    // Nothing was authorized: the PaymentIntent still waits for a card, and a card without a tip pays.
    assert.equal((await h.stripe.paymentIntents.retrieve(intent.id)).status, 'requires_payment_method');
    await h.stripe.testHelpers.terminal.readers.presentPaymentMethod(reader.id);
    const paid = await h.stripe.paymentIntents.retrieve(intent.id);
    assert.equal(paid.status, 'requires_capture');
    assert.equal(paid.amount, 99_999_999);
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
      headers: { authorization: `Bearer ${key}` }, signal: controller.signal,
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
    assert.deepEqual(held.map((stream) => stream.status), held.map(() => 200));
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
