import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import Stripe from 'stripe';
import { endpointWantsEvent, isKnownEventType } from './event-types.js';
import { signatureHeader, signPayload, webhookContentType, webhookUserAgent } from './signer.js';

describe('Stripe-Signature', () => {
  const body = JSON.stringify({ id: 'evt_1', object: 'event', type: 'payment_intent.succeeded', data: { object: {} } });

  it('HMAC-SHA256 over `${t}.${body}`, keyed by the whole whsec_ string', () => {
    const expected = createHmac('sha256', 'whsec_abc').update(`1700000000.${body}`).digest('hex');
    assert.equal(signPayload('whsec_abc', 1700000000, body), expected);
    assert.equal(signatureHeader(['whsec_abc'], 1700000000, body), `t=1700000000,v1=${expected}`);
  });

  it('one v1 per secret; constructEvent accepts each secret', () => {
    const t = Math.floor(Date.now() / 1000);
    const header = signatureHeader(['whsec_new', 'whsec_old'], t, body);
    assert.match(header, /^t=\d+,v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/);
    assert.equal(Stripe.webhooks.constructEvent(body, header, 'whsec_new').id, 'evt_1');
    assert.equal(Stripe.webhooks.constructEvent(body, header, 'whsec_old').id, 'evt_1');
    assert.throws(() => Stripe.webhooks.constructEvent(body, header, 'whsec_other'), /No signatures found matching/);
    assert.throws(
      () => Stripe.webhooks.constructEvent(`${body} `, header, 'whsec_new'),
      /No signatures found matching/,
    );
  });
});

describe('enabled_events', () => {
  it("'*' matches every type but OpenTill's own, which need naming", () => {
    assert.ok(endpointWantsEvent(['*'], 'charge.succeeded'));
    assert.ok(endpointWantsEvent(['*'], 'terminal.reader.action_failed'));
    assert.ok(!endpointWantsEvent(['*'], 'opentill.webhook_endpoint.disabled'));
    assert.ok(endpointWantsEvent(['opentill.webhook_endpoint.disabled'], 'opentill.webhook_endpoint.disabled'));
    assert.ok(endpointWantsEvent(['refund.created', 'charge.succeeded'], 'charge.succeeded'));
    assert.ok(!endpointWantsEvent(['refund.created'], 'charge.succeeded'));
    assert.ok(!endpointWantsEvent([], 'charge.succeeded'));
  });

  it('only types OpenTill emits are known', () => {
    assert.ok(isKnownEventType('*'));
    assert.ok(isKnownEventType('terminal.reader.action_updated'));
    assert.ok(!isKnownEventType('invoice.paid'));
    assert.ok(!isKnownEventType('charge.*'));
  });
});

describe('webhook request headers', () => {
  it("are Stripe's User-Agent and JSON content type", () => {
    assert.equal(webhookUserAgent, 'Stripe/1.0 (+https://stripe.com/docs/webhooks)');
    assert.equal(webhookContentType, 'application/json; charset=utf-8');
  });
});
