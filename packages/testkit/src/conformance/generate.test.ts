/** The committed stripe-shapes.json is what generate.ts makes from the installed stripe-node. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { generateShapes, renderShapes } from './generate.js';
import { shapesPath } from './shapes.js';

describe('stripe-shapes.json', () => {
  it('is up to date with stripe-node (regenerate: npm run conformance:generate)', (t) => {
    const { shapes, coverage } = generateShapes();
    t.diagnostic(`stripe-node ${shapes.stripeNode}: ${JSON.stringify(coverage)}`);
    assert.ok(
      readFileSync(shapesPath, 'utf8') === renderShapes(shapes),
      "stripe-shapes.json differs from what stripe-node's types give: run `npm run conformance:generate` and commit it",
    );
  });

  it('reads what the types say: nullability, optional members, literal unions, expandable fields, nested actions', () => {
    const { shapes } = generateShapes();
    const reader = shapes.types[shapes.objects['terminal.reader']!.type]!;
    assert.deepEqual(reader.fields['location'], { type: ['null', 'string', { object: 'terminal.location' }] });
    assert.deepEqual(reader.fields['deleted'], { type: ['absent'], optional: true });
    assert.deepEqual(reader.fields['metadata'], { type: [{ map: ['string'] }] });
    const action = shapes.types['Terminal.Reader.Action']!;
    assert.deepEqual(action.fields['process_payment_intent'], {
      type: [{ ref: 'Terminal.Reader.Action.ProcessPaymentIntent' }],
      optional: true,
    });
    assert.deepEqual(shapes.types['Terminal.Reader.Action.ProcessPaymentIntent']!.fields['payment_intent'], {
      type: ['string', { object: 'payment_intent' }],
    });
    const status = shapes.types['PaymentIntent']!.fields['status']!;
    assert.ok(
      typeof status.type[0] === 'object' &&
        'enum' in status.type[0] &&
        status.type[0].enum.includes('requires_capture'),
    );
    assert.ok(shapes.expandable['terminal.reader']!.includes('action.process_payment_intent.payment_intent'));
    assert.ok(shapes.expandable['payment_intent']!.includes('latest_charge'));
    assert.equal(shapes.objects['webhook_endpoint']!.deleted, 'DeletedWebhookEndpoint');
  });
});
