/**
 * Every field stripe-node types as expandable (`string | Object`) is expandable with `expand[]`
 * through stripe-node, nested ones too (inside a reader's `action`, `transfer_data.destination`),
 * and with `data.` on lists; an id OpenTill holds comes back as its object, anything else as it was.
 * The paths come from the generated shapes (packages/testkit/src/conformance, docs/conformance.md).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type Stripe from 'stripe';
import { expandablePathsOf } from '@opentill/server';
import { loadShapes } from '@opentill/testkit';
import { stores, terminalFixture, type TerminalFixture } from './terminal-fixture.js';

const shapes = loadShapes();
/** Every object type of the shapes (Customers and Connect included: their tables are Stripe's too). */
const served = Object.keys(shapes.objects).filter(
  (type) => type !== 'event' && type !== 'webhook_endpoint' && type !== 'terminal.connection_token',
);

type Json = Record<string, unknown>;

function valueAt(object: unknown, path: string): unknown {
  let value = object;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Json)[part];
  }
  return value;
}

/**
 * Retrieves the object once per path (and all paths at once) and checks each path: an id is
 * replaced by the object it names, null and absent stay so. Returns the paths that expanded an id.
 */
async function checkPaths(
  type: string,
  plain: Json,
  retrieve: (expand: string[]) => Promise<unknown>,
  prefix = '',
): Promise<string[]> {
  const expanded: string[] = [];
  const tooDeep = (path: string) => `${prefix}${path}`.split('.').length > 4;
  // Past Stripe's depth of 4 segments (a SetupAttempt's nested paths behind `latest_attempt.`): refused.
  for (const path of shapes.expandable[type]!.filter(tooDeep)) {
    await assert.rejects(
      retrieve([`${prefix}${path}`]),
      (error: Stripe.errors.StripeError) => error.code === 'property_expansion_max_depth',
      `${prefix}${path}`,
    );
  }
  const paths = shapes.expandable[type]!.filter((path) => !tooDeep(path));
  for (const path of paths) {
    const result = await retrieve([`${prefix}${path}`]);
    const before = valueAt(plain, path);
    const after = valueAt(prefix ? valueAt(result, prefix.slice(0, -1)) : result, path);
    if (typeof before === 'string') {
      assert.equal((after as Json | undefined)?.['id'], before, `${type} ${prefix}${path}: ${before} was not expanded`);
      expanded.push(path);
    } else {
      assert.deepEqual(after, before, `${type} ${prefix}${path}`);
    }
  }
  const all = await retrieve(paths.map((path) => `${prefix}${path}`));
  for (const path of expanded) {
    const value = valueAt(prefix ? valueAt(all, prefix.slice(0, -1)) : all, path);
    assert.equal(typeof value, 'object', `${type}: ${path} with every path at once`);
  }
  return expanded;
}

/** Every item of a list expanded with `data.<path>` for every path at once. */
async function checkListPaths(
  type: string,
  list: (expand: string[]) => Promise<Stripe.ApiList<unknown>>,
  expected: string[],
): Promise<void> {
  // A path of more than 4 segments with `data.` is past Stripe's depth (docs/decisions.md): refused, not expanded.
  const paths = shapes.expandable[type]!.map((path) => `data.${path}`);
  const page = await list(paths.filter((path) => path.split('.').length <= 4));
  for (const path of paths.filter((candidate) => candidate.split('.').length > 4)) {
    await assert.rejects(
      list([path]),
      (error: Stripe.errors.StripeError) => error.code === 'property_expansion_max_depth',
      path,
    );
  }
  assert.ok(page.data.length > 0, `${type}: an empty list proves nothing`);
  const item = page.data.find((entry) =>
    expected.every((path) => valueAt(entry, path) !== null && valueAt(entry, path) !== undefined),
  );
  assert.ok(item, `${type}: no item with ${expected.join(', ')}`);
  for (const path of expected) assert.equal(typeof valueAt(item, path), 'object', `${type}: data.${path}`);
}

for (const store of stores) {
  describe(`expand[] on every path stripe-node types expandable (${store})`, () => {
    let f: TerminalFixture;
    before(async () => {
      f = await terminalFixture(store, `conformance_expand_${store}`);
    });
    after(async () => f.stop());

    it("the server's table of expandable paths is Stripe's, for every object type OpenTill serves", () => {
      for (const type of served) {
        assert.deepEqual([...expandablePathsOf(type)].sort(), [...shapes.expandable[type]!].sort(), type);
      }
    });

    it('payment intents, charges, payment methods, readers (process_payment_intent), locations, configurations', async () => {
      const { stripe } = f;
      const reader = await f.reader();
      const paymentIntent = await f.paymentIntent({ capture_method: 'automatic' });
      await stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: paymentIntent.id });
      const processed = await stripe.testHelpers.terminal.readers.presentPaymentMethod(reader.id);
      assert.equal(processed.action?.status, 'succeeded');

      const readerPaths = await checkPaths('terminal.reader', processed as unknown as Json, (expand) =>
        stripe.terminal.readers.retrieve(reader.id, { expand }),
      );
      assert.deepEqual(readerPaths.sort(), ['action.process_payment_intent.payment_intent', 'location']);
      // Nested further: the PaymentIntent inside the action, then its charge.
      const deep = (await stripe.terminal.readers.retrieve(reader.id, {
        expand: ['action.process_payment_intent.payment_intent.latest_charge'],
      })) as Stripe.Terminal.Reader;
      const inner = deep.action?.process_payment_intent?.payment_intent as Stripe.PaymentIntent;
      assert.equal((inner.latest_charge as Stripe.Charge).object, 'charge');
      await checkListPaths('terminal.reader', (expand) => stripe.terminal.readers.list({ expand }), [
        'action.process_payment_intent.payment_intent',
        'location',
      ]);

      const succeeded = await stripe.paymentIntents.retrieve(paymentIntent.id);
      assert.deepEqual(
        (
          await checkPaths('payment_intent', succeeded as unknown as Json, (expand) =>
            stripe.paymentIntents.retrieve(paymentIntent.id, { expand }),
          )
        ).sort(),
        ['latest_charge', 'payment_method'],
      );
      await checkListPaths('payment_intent', (expand) => stripe.paymentIntents.list({ expand }), [
        'latest_charge',
        'payment_method',
      ]);

      const chargeId = succeeded.latest_charge as string;
      const charge = await stripe.charges.retrieve(chargeId);
      assert.deepEqual(
        await checkPaths('charge', charge as unknown as Json, (expand) =>
          stripe.charges.retrieve(chargeId, { expand }),
        ),
        ['payment_intent'],
      );
      await checkListPaths('charge', (expand) => stripe.charges.list({ expand }), ['payment_intent']);

      const paymentMethodId = succeeded.payment_method as string;
      const paymentMethod = await stripe.paymentMethods.retrieve(paymentMethodId);
      await checkPaths('payment_method', paymentMethod as unknown as Json, (expand) =>
        stripe.paymentMethods.retrieve(paymentMethodId, { expand }),
      );

      const location = await stripe.terminal.locations.retrieve(reader.location as string);
      await checkPaths('terminal.location', location as unknown as Json, (expand) =>
        stripe.terminal.locations.retrieve(location.id, { expand }),
      );
      const configuration = await stripe.terminal.configurations.create({});
      await checkPaths('terminal.configuration', configuration as unknown as Json, (expand) =>
        stripe.terminal.configurations.retrieve(configuration.id, { expand }),
      );

      // Refunds, through the reader's refund_payment action: its refund, charge and PaymentIntent.
      const interac = await f.paymentIntent({
        capture_method: 'automatic',
        currency: 'cad',
        payment_method_types: ['interac_present'],
      });
      await stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: interac.id });
      await stripe.testHelpers.terminal.readers.presentPaymentMethod(reader.id, { type: 'interac_present' });
      await stripe.terminal.readers.refundPayment(reader.id, { payment_intent: interac.id, amount: 100 });
      const refunded = await stripe.testHelpers.terminal.readers.presentPaymentMethod(reader.id, {
        type: 'interac_present',
      });
      assert.equal(refunded.action?.type, 'refund_payment');
      assert.equal(refunded.action?.status, 'succeeded');
      const refundPaths = await checkPaths('terminal.reader', refunded as unknown as Json, (expand) =>
        stripe.terminal.readers.retrieve(reader.id, { expand }),
      );
      assert.deepEqual(refundPaths.sort(), [
        'action.refund_payment.charge',
        'action.refund_payment.payment_intent',
        'action.refund_payment.refund',
        'location',
      ]);

      const refundId = refunded.action!.refund_payment!.refund as string;
      const refund = await stripe.refunds.retrieve(refundId);
      assert.deepEqual(
        (
          await checkPaths('refund', refund as unknown as Json, (expand) =>
            stripe.refunds.retrieve(refundId, { expand }),
          )
        ).sort(),
        ['charge', 'payment_intent', 'payment_method'],
      );
      await checkListPaths('refund', (expand) => stripe.refunds.list({ expand }), ['charge', 'payment_intent']);
    });

    it('setup intents and their attempt (process_setup_intent), nested through latest_attempt', async () => {
      const { stripe } = f;
      const reader = await f.reader();
      // As the seed's snippets send it (stripe-node 23's types no longer list payment_method_types).
      const setupIntent = await stripe.setupIntents.create({
        payment_method_types: ['card_present'],
      } as Stripe.SetupIntentCreateParams);
      await stripe.terminal.readers.processSetupIntent(reader.id, {
        setup_intent: setupIntent.id,
        allow_redisplay: 'always',
      });
      const processed = await stripe.testHelpers.terminal.readers.presentPaymentMethod(reader.id);
      assert.equal(processed.action?.status, 'succeeded');
      assert.deepEqual(
        (
          await checkPaths('terminal.reader', processed as unknown as Json, (expand) =>
            stripe.terminal.readers.retrieve(reader.id, { expand }),
          )
        ).sort(),
        ['action.process_setup_intent.setup_intent', 'location'],
      );

      const succeeded = await stripe.setupIntents.retrieve(setupIntent.id);
      assert.deepEqual(
        (
          await checkPaths('setup_intent', succeeded as unknown as Json, (expand) =>
            stripe.setupIntents.retrieve(setupIntent.id, { expand }),
          )
        ).sort(),
        ['latest_attempt', 'payment_method'],
      );
      await checkListPaths('setup_intent', (expand) => stripe.setupIntents.list({ expand }), [
        'latest_attempt',
        'payment_method',
      ]);

      // A SetupAttempt is only reached expanded: its own paths, one level further down.
      const withAttempt = await stripe.setupIntents.retrieve(setupIntent.id, { expand: ['latest_attempt'] });
      const attempt = withAttempt.latest_attempt as Stripe.SetupAttempt;
      assert.equal(attempt.object, 'setup_attempt');
      const attemptPaths = await checkPaths(
        'setup_attempt',
        attempt as unknown as Json,
        (expand) => stripe.setupIntents.retrieve(setupIntent.id, { expand }),
        'latest_attempt.',
      );
      assert.ok(
        attemptPaths.includes('setup_intent') && attemptPaths.includes('payment_method'),
        attemptPaths.join(', '),
      );
    });

    it('an unknown path and a path through a field Stripe does not expand are refused', async () => {
      const reader = await f.reader();
      for (const path of ['label', 'action.nonsense', 'location.address']) {
        await assert.rejects(
          f.stripe.terminal.readers.retrieve(reader.id, { expand: [path] }),
          (error: Stripe.errors.StripeError) => error.statusCode === 400 && error.param === 'expand',
          path,
        );
      }
    });
  });
}
