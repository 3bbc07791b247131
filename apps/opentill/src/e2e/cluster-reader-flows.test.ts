/**
 * Every server-driven flow of docs/terminal.md in a cluster of 3 nodes behind haproxy (issue 13,
 * Tests): a WebSocket reader device (the `opentill-reader/1` TestDevice) connected to node1, and each
 * API call made with the official `stripe` package through the load balancer, pinned to a node other
 * than the device's — proved per call by the `OpenTill-Node` header (stripe-node's
 * `lastResponse.headers`, or the error's `headers`). The pin is the test cluster's route header
 * (testkit `testRouteHeader`), not a prediction of haproxy's round robin: that order changes each time
 * haproxy marks a node down or up, which a late health check on a loaded machine can do.
 *
 * reader-across-nodes.test.ts proves the same flows with 2 nodes addressed directly; this file proves
 * them through the real load balancer, with exact reader actions, and adds the test helpers and the
 * fault injection a device reader takes (docs/cluster.md, "Which test proves what").
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Stripe from 'stripe';
import { StripeTerminal } from '@opentill/terminal-sdk';
import { startCluster, type RunningCluster } from '@opentill/testkit';
import {
  action,
  actionOf,
  awayFrom,
  clusterReaderEnv,
  manualIntent,
  pairReaderOn,
  stripeAt,
  type Answered,
} from './cluster-reader-fixture.js';
import { cardRead, type TestDevice } from './reader-device-client.js';
import { payload } from './sdk-fixture.js';

describe('cluster: every server-driven flow through haproxy, the reader device on another node', () => {
  let cluster: RunningCluster;
  let stripe: Stripe;
  let reader: Stripe.Terminal.Reader;
  let device: TestDevice;
  let away: ReturnType<typeof awayFrom>;
  const deviceNode = 'node1';

  const paymentIntent = (amount: number, extra: Record<string, unknown> = {}) =>
    away.ok('create a PaymentIntent', () => manualIntent(stripe, amount, extra));
  const readerNow = () =>
    away.ok('retrieve the reader', () => stripe.terminal.readers.retrieve(reader.id)) as Promise<
      Stripe.Terminal.Reader & Answered
    >;

  before(async () => {
    cluster = await startCluster({ name: 'cluster-flows', env: clusterReaderEnv });
    away = awayFrom(cluster, () => deviceNode);
    stripe = stripeAt(cluster.port, cluster.secretKey, away.route);
    const location = await stripe.terminal.locations.create({
      display_name: 'HQ',
      address: { line1: '1 Main St', city: 'San Francisco', state: 'CA', postal_code: '94111', country: 'US' },
    });
    const node1 = cluster.nodes[0]!;
    ({ reader, device } = await pairReaderOn(node1, cluster.secretKey, location.id));
  });
  after(async () => {
    device?.close();
    await cluster?.stop();
  });

  it('process_payment_intent (manual capture) read on the device, then capture', async () => {
    const intent = await paymentIntent(1000);
    const started = await away.ok('process_payment_intent', () =>
      stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: intent.id }),
    );
    assert.deepEqual(started.action, action('process_payment_intent', 'in_progress', { payment_intent: intent.id }));
    const command = actionOf(await device.latestCommand());
    assert.deepEqual({ type: command.type, amount: command.amount }, { type: 'process_payment_intent', amount: 1000 });
    const result = await device.event(cardRead(command.id));
    assert.deepEqual([result.ok, result.error], [true, null]);
    const done = await readerNow();
    assert.deepEqual(done.action, action('process_payment_intent', 'succeeded', { payment_intent: intent.id }));
    const authorized = await away.ok('retrieve the PaymentIntent', () => stripe.paymentIntents.retrieve(intent.id));
    assert.deepEqual([authorized.status, authorized.amount_capturable], ['requires_capture', 1000]);
    const captured = await away.ok('capture', () => stripe.paymentIntents.capture(intent.id));
    assert.deepEqual([captured.status, captured.amount_received], ['succeeded', 1000]);
  });

  it('process_setup_intent read on the device', async () => {
    const setupIntent = await away.ok('create a SetupIntent', () =>
      stripe.setupIntents.create({ payment_method_types: ['card_present'] } as Stripe.SetupIntentCreateParams),
    );
    const started = await away.ok('process_setup_intent', () =>
      stripe.terminal.readers.processSetupIntent(reader.id, {
        setup_intent: setupIntent.id,
        allow_redisplay: 'always',
      }),
    );
    assert.deepEqual(started.action, action('process_setup_intent', 'in_progress', { setup_intent: setupIntent.id }));
    const command = actionOf(await device.latestCommand());
    assert.equal(command.type, 'process_setup_intent');
    assert.equal((await device.event(cardRead(command.id))).ok, true);
    const done = await away.ok('retrieve the SetupIntent', () => stripe.setupIntents.retrieve(setupIntent.id));
    assert.equal(done.status, 'succeeded');
    const after = await readerNow();
    assert.deepEqual(
      after.action,
      action('process_setup_intent', 'succeeded', {
        setup_intent: setupIntent.id,
        generated_card: (await away.ok('its generated card', () => stripe.setupIntents.retrieve(setupIntent.id)))
          .payment_method,
      }),
    );
  });

  it('collect_payment_method read on the device, then confirm_payment_intent and capture', async () => {
    const intent = await paymentIntent(1200);
    await away.ok('collect_payment_method', () =>
      stripe.terminal.readers.collectPaymentMethod(reader.id, { payment_intent: intent.id }),
    );
    const command = actionOf(await device.latestCommand());
    assert.deepEqual({ type: command.type, amount: command.amount }, { type: 'collect_payment_method', amount: 1200 });
    assert.equal((await device.event(cardRead(command.id))).ok, true);
    const collected = await readerNow();
    const paymentMethod = collected.action?.collect_payment_method?.payment_method as Stripe.PaymentMethod;
    // The PaymentMethod in full, as any node serves it.
    const stored = await away.ok('retrieve the PaymentMethod', () => stripe.paymentMethods.retrieve(paymentMethod.id));
    assert.deepEqual(
      collected.action,
      action('collect_payment_method', 'succeeded', {
        payment_intent: intent.id,
        payment_method: JSON.parse(JSON.stringify(stored)) as unknown,
      }),
    );
    assert.deepEqual(
      [paymentMethod.type, paymentMethod.card_present?.last4, paymentMethod.card_present?.read_method],
      ['card_present', '4242', 'contactless_emv'],
    );
    const pending = await away.ok('retrieve the PaymentIntent', () => stripe.paymentIntents.retrieve(intent.id));
    assert.deepEqual([pending.status, pending.payment_method], ['requires_confirmation', paymentMethod.id]);
    const confirmed = await away.ok('confirm_payment_intent', () =>
      stripe.terminal.readers.confirmPaymentIntent(reader.id, { payment_intent: intent.id }),
    );
    assert.equal(confirmed.action?.type, 'confirm_payment_intent');
    assert.equal(actionOf(await device.latestCommand()).type, 'confirm_payment_intent');
    let final = confirmed as Stripe.Terminal.Reader;
    for (let attempt = 0; attempt < 100 && final.action?.status === 'in_progress'; attempt += 1)
      final = await readerNow();
    assert.deepEqual(final.action, action('confirm_payment_intent', 'succeeded', { payment_intent: intent.id }));
    const captured = await away.ok('capture', () => stripe.paymentIntents.capture(intent.id));
    assert.deepEqual([captured.status, captured.amount_received], ['succeeded', 1200]);
  });

  it('refund_payment read on the device', async () => {
    const intent = await paymentIntent(1300, { capture_method: 'automatic' });
    await away.ok('process_payment_intent', () =>
      stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: intent.id }),
    );
    const payment = actionOf(await device.latestCommand());
    assert.equal((await device.event(cardRead(payment.id))).ok, true);
    const charge = (await away.ok('retrieve the PaymentIntent', () => stripe.paymentIntents.retrieve(intent.id)))
      .latest_charge as string;
    const started = await away.ok('refund_payment', () =>
      stripe.terminal.readers.refundPayment(reader.id, { payment_intent: intent.id, amount: 500 }),
    );
    assert.deepEqual(
      started.action,
      action('refund_payment', 'in_progress', { payment_intent: intent.id, charge, amount: 500 }),
    );
    const command = actionOf(await device.latestCommand());
    assert.deepEqual({ type: command.type, amount: command.amount }, { type: 'refund_payment', amount: 500 });
    assert.equal((await device.event(cardRead(command.id))).ok, true);
    const done = await readerNow();
    const refund = (done.action?.refund_payment as { refund: string } | undefined)?.refund;
    assert.match(String(refund), /^re_/);
    assert.deepEqual(
      done.action,
      action('refund_payment', 'succeeded', { payment_intent: intent.id, charge, amount: 500, refund }),
    );
    const refunded = await away.ok('retrieve the charge', () => stripe.charges.retrieve(charge));
    assert.deepEqual([refunded.amount_refunded, refunded.refunded], [500, false]);
  });

  it('set_reader_display reaches the device; cancel_action clears it', async () => {
    const cart = {
      currency: 'usd',
      line_items: [{ description: 'Coffee', amount: 350, quantity: 2 }],
      tax: 50,
      total: 750,
    };
    const shown = await away.ok('set_reader_display', () =>
      stripe.terminal.readers.setReaderDisplay(reader.id, { type: 'cart', cart }),
    );
    assert.deepEqual(shown.action, action('set_reader_display', 'in_progress', { type: 'cart', cart }));
    const command = actionOf(await device.latestCommand());
    assert.deepEqual({ type: command.type, cart: command.cart }, { type: 'set_reader_display', cart });
    const canceled = (await away.ok('cancel_action', () =>
      stripe.terminal.readers.cancelAction(reader.id),
    )) as Stripe.Terminal.Reader;
    assert.equal(canceled.action, null);
    assert.equal((await device.latestCommand()).command.type, 'cancel');
  });

  it('collect_inputs submitted on the device', async () => {
    const inputs = [{ type: 'email', custom_text: { title: 'Email' }, required: true }];
    await away.ok('collect_inputs', () =>
      stripe.terminal.readers.collectInputs(reader.id, { inputs } as Stripe.Terminal.ReaderCollectInputsParams),
    );
    const command = actionOf(await device.latestCommand());
    assert.equal(command.type, 'collect_inputs');
    const submitted = await device.event({
      type: 'inputs_submitted',
      action_id: command.id,
      inputs: [{ index: 0, value: 'jane@example.com', toggles: null, skipped: false }],
    });
    assert.equal(submitted.ok, true, JSON.stringify(submitted));
    const done = await readerNow();
    assert.deepEqual(
      done.action,
      action('collect_inputs', 'succeeded', {
        inputs: [
          {
            type: 'email',
            custom_text: { title: 'Email', description: null, skip_button: null, submit_button: null },
            required: true,
            toggles: null,
            skipped: false,
            email: { value: 'jane@example.com' },
          },
        ],
        metadata: null,
      }),
    );
  });

  it('cancel_action of a payment waiting for the card: the device drops it, a late card read is refused', async () => {
    const intent = await paymentIntent(1400);
    await away.ok('process_payment_intent', () =>
      stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: intent.id }),
    );
    const command = actionOf(await device.latestCommand());
    const canceled = (await away.ok('cancel_action', () =>
      stripe.terminal.readers.cancelAction(reader.id),
    )) as Stripe.Terminal.Reader;
    assert.equal(canceled.action, null);
    assert.equal((await device.latestCommand()).command.type, 'cancel');
    assert.equal((await device.event(cardRead(command.id))).ok, false);
    const untouched = await away.ok('retrieve the PaymentIntent', () => stripe.paymentIntents.retrieve(intent.id));
    assert.equal(untouched.status, 'requires_payment_method');
  });

  it('timeouts: an ack lost on the device is terminal_reader_timeout with the action kept (the false negative)', async () => {
    const intent = await paymentIntent(1500);
    device.autoAck = false;
    try {
      const failure = await away.fails('process_payment_intent', () =>
        stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: intent.id }),
      );
      assert.deepEqual([failure.statusCode, failure.code], [400, 'terminal_reader_timeout']);
    } finally {
      device.autoAck = true;
    }
    const command = actionOf(await device.latestCommand());
    const kept = await readerNow();
    assert.deepEqual(kept.action, action('process_payment_intent', 'in_progress', { payment_intent: intent.id }));
    assert.equal((await device.event(cardRead(command.id))).ok, true);
    const paid = await away.ok('retrieve the PaymentIntent', () => stripe.paymentIntents.retrieve(intent.id));
    assert.equal(paid.status, 'requires_capture');
  });

  it('fault injection: busy, a connection error at authorization, an authorization latency', async () => {
    const faults = `/opentill/v1/test/terminal/readers/${reader.id}`;
    // busy: every action is refused while the reader updates.
    assert.equal((await away.raw('POST', `${faults}/busy`, { seconds: 60 })).status, 200);
    const refused = await paymentIntent(1600);
    const busy = await away.fails('process_payment_intent while busy', () =>
      stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: refused.id }),
    );
    assert.deepEqual([busy.statusCode, busy.code], [400, 'terminal_reader_busy']);
    assert.equal((await away.raw('POST', `${faults}/busy`, { seconds: 0 })).status, 200);

    // next_authorization_connection_error: the card read on the device fails the action, nothing charged.
    assert.equal((await away.raw('POST', `${faults}/next_authorization_connection_error`)).status, 200);
    await away.ok('process_payment_intent', () =>
      stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: refused.id }),
    );
    let command = actionOf(await device.latestCommand());
    assert.equal((await device.event(cardRead(command.id))).ok, true);
    const failed = await readerNow();
    assert.deepEqual(
      failed.action,
      action('process_payment_intent', 'failed', { payment_intent: refused.id }, [
        'connection_error',
        'Could not connect to Stripe.',
      ]),
    );
    const unpaid = await away.ok('retrieve the PaymentIntent', () => stripe.paymentIntents.retrieve(refused.id));
    assert.equal(unpaid.status, 'requires_payment_method');

    // authorization_latency: the authorization waits on the account clock; the scheduler finishes it.
    assert.equal((await away.raw('POST', `${faults}/authorization_latency`, { seconds: 30 })).status, 200);
    await away.ok('process_payment_intent', () =>
      stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: refused.id }),
    );
    command = actionOf(await device.latestCommand());
    assert.equal((await device.event(cardRead(command.id))).ok, true);
    assert.equal((await readerNow()).action?.status, 'in_progress');
    await cluster.advanceClock(31);
    let final = await readerNow();
    for (let attempt = 0; attempt < 100 && final.action?.status === 'in_progress'; attempt += 1)
      final = await readerNow();
    assert.deepEqual(final.action, action('process_payment_intent', 'succeeded', { payment_intent: refused.id }));
    const charges = await away.ok('list the charges', () => stripe.charges.list({ payment_intent: refused.id }));
    assert.deepEqual(
      charges.data.map((charge) => [charge.status, charge.amount]),
      [['succeeded', 1600]],
    );
    assert.equal((await away.raw('POST', `${faults}/reset`)).status, 200);
  });

  it('the JS SDK through node2 takes a payment on the device connected to node1', async () => {
    // The SDK talks to node2 only (its apiBase); the device stays on node1.
    const sdkNode = cluster.nodes[1]!;
    const terminal = StripeTerminal.create({
      apiBase: sdkNode.url,
      onFetchConnectionToken: async () => (await stripe.terminal.connectionTokens.create()).secret,
      onUnexpectedReaderDisconnect: () => undefined,
    });
    try {
      const discovered = payload(await terminal.discoverReaders({ location: reader.location as string }));
      assert.deepEqual(
        discovered.discoveredReaders.map((found) => found.id),
        [reader.id],
      );
      const connected = payload(await terminal.connectReader(discovered.discoveredReaders[0]!));
      assert.equal(connected.reader.id, reader.id);
      const intent = await paymentIntent(1700);
      const collecting = terminal.collectPaymentMethod(intent.client_secret!);
      // Once the action is committed (the API shows it), the device has its command: the latest one.
      let collectingOn = await readerNow();
      for (let attempt = 0; attempt < 100; attempt += 1) {
        const sub = collectingOn.action?.collect_payment_method as { payment_intent?: string } | undefined;
        if (collectingOn.action?.status === 'in_progress' && sub?.payment_intent === intent.id) break;
        await new Promise((done) => setTimeout(done, 50));
        collectingOn = await readerNow();
      }
      const command = actionOf(await device.latestCommand());
      assert.deepEqual(
        { type: command.type, amount: command.amount },
        { type: 'collect_payment_method', amount: 1700 },
      );
      assert.equal((await device.event(cardRead(command.id))).ok, true);
      const collected = payload(await collecting);
      assert.deepEqual(
        [collected.paymentIntent.id, collected.paymentIntent.status],
        [intent.id, 'requires_confirmation'],
      );
      const processed = payload(await terminal.processPayment(collected.paymentIntent));
      assert.deepEqual([processed.paymentIntent.id, processed.paymentIntent.status], [intent.id, 'requires_capture']);
      assert.equal(actionOf(await device.latestCommand()).type, 'confirm_payment_intent');
      const captured = await away.ok('capture', () => stripe.paymentIntents.capture(intent.id));
      assert.deepEqual([captured.status, captured.amount_received], ['succeeded', 1700]);
      const charges = await away.ok('list the charges', () => stripe.charges.list({ payment_intent: intent.id }));
      assert.equal(charges.data.length, 1);
      payload(await terminal.disconnectReader());
    } finally {
      await terminal.disconnectReader();
    }
  });

  it("answered every call from node2 and node3, never from the device's node1", () => {
    assert.deepEqual(new Set(away.answeredBy), new Set(['node2', 'node3']));
  });
});

/**
 * The test helpers (present_payment_method, succeed_/timeout_input_collection) and the command faults
 * drive simulated readers only (a device reader's card is read by its device: the API answers
 * `invalid_request_error` "test helpers only drive simulated readers"). A simulated reader has no
 * owning node (its device state is derived from the reader document on every node), so here "the
 * reader's node" is the node that answered the action: every helper and follow-up call is answered
 * by another one.
 */
describe('cluster: test helpers and command faults of a simulated reader, each on another node than its action', () => {
  let cluster: RunningCluster;
  let stripe: Stripe;
  let reader: Stripe.Terminal.Reader;
  let actionNode = '';
  let away: ReturnType<typeof awayFrom>;
  const nodeOf = (answer: unknown) => (answer as Answered).lastResponse.headers['opentill-node']!;
  /** An action call: whichever node answers it becomes the node the next calls avoid. */
  const act = async <T>(call: () => Promise<T>): Promise<T> => {
    const answer = await call();
    actionNode = nodeOf(answer);
    return answer;
  };
  const paymentIntent = (amount: number, extra: Record<string, unknown> = {}) => manualIntent(stripe, amount, extra);

  before(async () => {
    cluster = await startCluster({ name: 'cluster-helpers', env: clusterReaderEnv });
    away = awayFrom(cluster, () => actionNode);
    stripe = stripeAt(cluster.port, cluster.secretKey, away.route);
    const location = await stripe.terminal.locations.create({ display_name: 'HQ', address: { country: 'US' } });
    reader = await stripe.terminal.readers.create({ registration_code: 'simulated-wpe', location: location.id });
  });
  after(async () => {
    await cluster?.stop();
  });

  it('present_payment_method completes process_payment_intent; capture', async () => {
    const intent = await paymentIntent(2100);
    const started = await act(() =>
      stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: intent.id }),
    );
    assert.deepEqual(started.action, action('process_payment_intent', 'in_progress', { payment_intent: intent.id }));
    const presented = await away.ok('present_payment_method', () =>
      stripe.testHelpers.terminal.readers.presentPaymentMethod(reader.id, { amount_tip: 100 }),
    );
    assert.deepEqual(presented.action, action('process_payment_intent', 'succeeded', { payment_intent: intent.id }));
    const captured = await away.ok('capture', () => stripe.paymentIntents.capture(intent.id));
    assert.deepEqual([captured.status, captured.amount, captured.amount_received], ['succeeded', 2200, 2200]);
  });

  it('succeed_input_collection and timeout_input_collection', async () => {
    const inputs = [
      { type: 'email', custom_text: { title: 'Email' }, required: false },
      {
        type: 'selection',
        custom_text: { title: 'Size' },
        required: true,
        selection: { choices: [{ id: 's', style: 'primary', text: 'Small' }] },
      },
    ];
    await act(() =>
      stripe.terminal.readers.collectInputs(reader.id, { inputs } as Stripe.Terminal.ReaderCollectInputsParams),
    );
    const filled = await away.ok('succeed_input_collection', () =>
      stripe.testHelpers.terminal.readers.succeedInputCollection(reader.id, { skip_non_required_inputs: 'all' }),
    );
    const size = { title: 'Size', description: null, skip_button: null, submit_button: null };
    const email = { title: 'Email', description: null, skip_button: null, submit_button: null };
    const choices = [{ id: 's', style: 'primary', text: 'Small' }];
    assert.deepEqual(
      filled.action,
      action('collect_inputs', 'succeeded', {
        inputs: [
          { type: 'email', custom_text: email, required: false, toggles: null, skipped: true },
          {
            type: 'selection',
            custom_text: size,
            required: true,
            selection: { choices, id: 's', text: 'Small' },
            toggles: null,
            skipped: false,
          },
        ],
        metadata: null,
      }),
    );
    await act(() =>
      stripe.terminal.readers.collectInputs(reader.id, { inputs } as Stripe.Terminal.ReaderCollectInputsParams),
    );
    const timedOut = await away.ok('timeout_input_collection', () =>
      stripe.testHelpers.terminal.readers.timeoutInputCollection(reader.id),
    );
    assert.deepEqual(
      timedOut.action,
      action(
        'collect_inputs',
        'failed',
        {
          inputs: [
            { type: 'email', custom_text: email, required: false, toggles: null },
            {
              type: 'selection',
              custom_text: size,
              required: true,
              selection: { choices, id: null, text: null },
              toggles: null,
            },
          ],
          metadata: null,
        },
        ['input_collection_timed_out', 'The customer did not complete the inputs in time.'],
      ),
    );
  });

  it('next_command_timeout (lost, then delivered), press_cancel, offline', async () => {
    const faults = `/opentill/v1/test/terminal/readers/${reader.id}`;
    const intent = await paymentIntent(2300);
    // The node the fault calls avoid: the one that answers this cancel_action.
    await act(() => stripe.terminal.readers.cancelAction(reader.id));
    // Lost: terminal_reader_timeout and no action recorded.
    assert.equal((await away.raw('POST', `${faults}/next_command_timeout`)).status, 200);
    const lost = await away.fails('process_payment_intent', () =>
      stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: intent.id }),
    );
    assert.deepEqual([lost.statusCode, lost.code], [400, 'terminal_reader_timeout']);
    assert.equal(
      ((await away.ok('retrieve', () => stripe.terminal.readers.retrieve(reader.id))) as Stripe.Terminal.Reader).action,
      null,
    );
    // Delivered (the false negative): terminal_reader_timeout, the action in place.
    assert.equal((await away.raw('POST', `${faults}/next_command_timeout`, { delivered: true })).status, 200);
    const delivered = await away.fails('process_payment_intent', () =>
      stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: intent.id }),
    );
    assert.deepEqual([delivered.statusCode, delivered.code], [400, 'terminal_reader_timeout']);
    const inPlace = (await away.ok('retrieve', () =>
      stripe.terminal.readers.retrieve(reader.id),
    )) as Stripe.Terminal.Reader;
    assert.deepEqual(inPlace.action, action('process_payment_intent', 'in_progress', { payment_intent: intent.id }));
    // press_cancel: the customer cancels on the reader.
    await act(() =>
      stripe.terminal.readers.processPaymentIntent(reader.id, {
        payment_intent: intent.id,
        process_config: { enable_customer_cancellation: true },
      }),
    );
    assert.equal((await away.raw('POST', `${faults}/press_cancel`)).status, 200);
    const pressed = (await away.ok('retrieve', () =>
      stripe.terminal.readers.retrieve(reader.id),
    )) as Stripe.Terminal.Reader;
    assert.deepEqual(
      pressed.action,
      action(
        'process_payment_intent',
        'failed',
        { payment_intent: intent.id, process_config: { enable_customer_cancellation: true } },
        ['customer_canceled', 'This action could not be completed due to an error on the card reader.'],
      ),
    );
    // offline: refused at once on every node.
    assert.equal((await away.raw('POST', `${faults}/offline`)).status, 200);
    const offline = await away.fails('process_payment_intent', () =>
      stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: intent.id }),
    );
    assert.deepEqual([offline.statusCode, offline.code], [400, 'terminal_reader_offline']);
    assert.equal((await away.raw('POST', `${faults}/reset`)).status, 200);
  });
});
