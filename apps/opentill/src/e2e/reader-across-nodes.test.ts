/**
 * Reader commands across nodes (issue 13, item 1; docs/cluster.md): several `opentill serve`
 * processes on one PostgreSQL schema, a WebSocket reader device connected to one node, every
 * server-driven flow of docs/terminal.md sent through the official `stripe` library to another.
 *
 * The topology is described by URLs only (`readerUrl`, `apiUrl`): the same tests can take a load
 * balancer's URL for both once one is in front of the nodes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Stripe from 'stripe';
import WebSocket from 'ws';
import type { RunningServer } from '@opentill/testkit';
import type { ServerFrame } from '@opentill/reader-device';
import { raw } from './helpers.js';
import { stripeError } from './terminal-fixture.js';
import { startNodes, stripeAt, type Nodes } from './cluster-nodes.js';
import { cardRead, TestDevice, type Credential } from './reader-device-client.js';

type Command = Extract<ServerFrame, { type: 'command' }>;
type ActionCommand = {
  type: 'action';
  action: { id: string; type: string; amount: number | null; cart: unknown; inputs: unknown };
};

const actionOf = (frame: Command): ActionCommand['action'] => {
  assert.equal(frame.command.type, 'action');
  return (frame.command as unknown as ActionCommand).action;
};

/** Polls (bounded) until `check` holds; every poll is a positive check, not a sleep. */
async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i += 1) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A location and a paired, registered reader whose device is connected to `readerUrl`. */
async function pairedReaderAt(
  readerUrl: string,
  secretKey: string,
): Promise<{ reader: Stripe.Terminal.Reader; credential: Credential; device: TestDevice }> {
  const stripe = stripeAt(readerUrl, secretKey);
  const location = await stripe.terminal.locations.create({ display_name: 'HQ', address: { country: 'FR' } });
  // Registered through the device's own node here; pairing-across-nodes.test.ts registers through another.
  const { device: pairing, code } = await TestDevice.pair(readerUrl);
  const reader = await stripe.terminal.readers.create({
    registration_code: code,
    location: location.id,
    label: 'Till',
  });
  const credential = await pairing.paired();
  const device = await TestDevice.connect(readerUrl, credential);
  return { reader, credential, device };
}

describe('reader commands across nodes (postgres)', () => {
  let cluster: Nodes;
  let readerUrl: string;
  let apiUrl: string;
  let api: Stripe;
  const open: TestDevice[] = [];

  const retrieve = async (id: string) => (await api.terminal.readers.retrieve(id)) as Stripe.Terminal.Reader;
  const paymentIntent = (params: Record<string, unknown> = {}) =>
    api.paymentIntents.create({
      currency: 'eur',
      payment_method_types: ['card_present'],
      capture_method: 'manual',
      amount: 1000,
      ...params,
    } as Stripe.PaymentIntentCreateParams);

  before(async () => {
    cluster = await startNodes('bus_flows', 2);
    readerUrl = cluster.nodes[0]!.baseUrl;
    apiUrl = cluster.nodes[1]!.baseUrl;
    api = stripeAt(apiUrl, cluster.secretKey);
  });
  after(async () => {
    for (const device of open) device.close();
    await cluster.stop();
  });

  test('every server-driven flow, each call on node B, the device on node A', async () => {
    const { reader, device } = await pairedReaderAt(readerUrl, cluster.secretKey);
    open.push(device);
    // Presence through the other node: the 2-minute rule on the stored last signal.
    assert.equal((await retrieve(reader.id)).status, 'online');

    // process_payment_intent → card read on the device → capture.
    const pi = await paymentIntent();
    const started = await api.terminal.readers.processPaymentIntent(reader.id, { payment_intent: pi.id });
    assert.equal(started.action?.status, 'in_progress');
    let action = actionOf(await device.command());
    assert.equal(action.type, 'process_payment_intent');
    assert.equal(action.amount, 1000);
    assert.equal((await device.event(cardRead(action.id))).ok, true);
    assert.equal((await retrieve(reader.id)).action?.status, 'succeeded');
    assert.equal((await api.paymentIntents.capture(pi.id)).status, 'succeeded');

    // process_setup_intent.
    const setupIntent = await api.setupIntents.create({
      allowed_payment_method_types: ['card_present'],
    } as Stripe.SetupIntentCreateParams);
    await api.terminal.readers.processSetupIntent(reader.id, {
      setup_intent: setupIntent.id,
      allow_redisplay: 'always',
    });
    action = actionOf(await device.command());
    assert.equal(action.type, 'process_setup_intent');
    assert.equal((await device.event(cardRead(action.id))).ok, true);
    assert.equal((await api.setupIntents.retrieve(setupIntent.id)).status, 'succeeded');

    // collect_payment_method, then confirm_payment_intent (authorized by node B; the device on A hears it).
    const collected = await paymentIntent({ amount: 1200 });
    await api.terminal.readers.collectPaymentMethod(reader.id, { payment_intent: collected.id });
    action = actionOf(await device.command());
    assert.equal(action.type, 'collect_payment_method');
    assert.equal((await device.event(cardRead(action.id))).ok, true);
    assert.equal((await api.paymentIntents.retrieve(collected.id)).status, 'requires_confirmation');
    const confirmed = await api.terminal.readers.confirmPaymentIntent(reader.id, { payment_intent: collected.id });
    const confirm = actionOf(await device.command());
    assert.equal(confirm.type, 'confirm_payment_intent');
    assert.equal(confirmed.action?.type, 'confirm_payment_intent');
    await until(
      async () => (await retrieve(reader.id)).action?.status === 'succeeded',
      'confirm_payment_intent succeeded',
    );
    assert.equal((await api.paymentIntents.retrieve(collected.id)).status, 'requires_capture');
    const update = await device.next(
      'command',
      (f) =>
        f.type === 'command' &&
        f.command.type === 'action_update' &&
        f.command.action_id === confirm.id &&
        f.command.status === 'succeeded',
    );
    assert.equal((update as Command).command.type, 'action_update');
    const captured = await api.paymentIntents.capture(collected.id);

    // refund_payment, presented on the device.
    await api.terminal.readers.refundPayment(reader.id, { payment_intent: captured.id, amount: 500 });
    action = actionOf(await device.command());
    assert.equal(action.type, 'refund_payment');
    assert.equal(action.amount, 500);
    assert.equal((await device.event(cardRead(action.id))).ok, true);
    assert.equal((await retrieve(reader.id)).action?.status, 'succeeded');
    assert.equal(
      await api.paymentIntents
        .retrieve(captured.id, { expand: ['latest_charge'] })
        .then((p) => (p.latest_charge as Stripe.Charge).amount_refunded),
      500,
    );

    // set_reader_display: the cart reaches the device.
    const cart = {
      currency: 'eur',
      line_items: [{ description: 'Coffee', amount: 350, quantity: 1 }],
      tax: 0,
      total: 350,
    };
    const shown = await api.terminal.readers.setReaderDisplay(reader.id, { type: 'cart', cart });
    assert.equal(shown.action?.type, 'set_reader_display');
    action = actionOf(await device.command());
    assert.equal(action.type, 'set_reader_display');
    assert.deepEqual((action.cart as { line_items: unknown[] }).line_items.length, 1);

    // collect_inputs: the device submits them.
    await api.terminal.readers.collectInputs(reader.id, {
      inputs: [{ type: 'email', custom_text: { title: 'Email' }, required: true }],
    } as Stripe.Terminal.ReaderCollectInputsParams);
    action = actionOf(await device.command());
    assert.equal(action.type, 'collect_inputs');
    const submitted = await device.event({
      type: 'inputs_submitted',
      action_id: action.id,
      inputs: [{ index: 0, value: 'jane@example.com', toggles: null, skipped: false }],
    });
    assert.equal(submitted.ok, true, JSON.stringify(submitted.error));
    const inputs = (await retrieve(reader.id)).action;
    assert.equal(inputs?.status, 'succeeded');
    assert.match(JSON.stringify(inputs?.collect_inputs?.inputs), /jane@example\.com/);

    // cancel_action: the device is told to drop the action.
    const canceled = await paymentIntent();
    await api.terminal.readers.processPaymentIntent(reader.id, { payment_intent: canceled.id });
    action = actionOf(await device.command());
    const afterCancel = (await api.terminal.readers.cancelAction(reader.id)) as Stripe.Terminal.Reader;
    assert.equal(afterCancel.action, null);
    const cancel = await device.command();
    assert.equal(cancel.command.type, 'cancel');
    assert.equal((await api.paymentIntents.retrieve(canceled.id)).status, 'requires_payment_method');
    // An event about the canceled action is refused (node A sees node B's commit).
    assert.equal((await device.event(cardRead(action.id))).ok, false);
  });

  test('ack deadline across nodes: terminal_reader_timeout, the false negative, a device gone', async () => {
    const { reader, device } = await pairedReaderAt(readerUrl, cluster.secretKey);
    open.push(device);
    const pi = await paymentIntent();
    // The device gets the command but its ack is lost: the caller on node B sees a timeout…
    device.autoAck = false;
    const call = stripeError(api.terminal.readers.processPaymentIntent(reader.id, { payment_intent: pi.id }));
    const command = await device.command();
    assert.equal((await call).code, 'terminal_reader_timeout');
    // …yet the action is in place (the false negative), and the device completes it.
    assert.equal((await retrieve(reader.id)).action?.status, 'in_progress');
    const action = actionOf(command);
    assert.equal((await device.event(cardRead(action.id))).ok, true);
    assert.equal((await retrieve(reader.id)).action?.status, 'succeeded');
    assert.equal((await api.paymentIntents.retrieve(pi.id)).status, 'requires_capture');
    // A device that drops the connection before acknowledging: timeout, and no action recorded.
    const pi2 = await paymentIntent();
    const call2 = stripeError(api.terminal.readers.processPaymentIntent(reader.id, { payment_intent: pi2.id }));
    await device.command();
    device.ws.terminate();
    assert.equal((await call2).code, 'terminal_reader_timeout');
    const after = await retrieve(reader.id);
    assert.equal(
      (after.action?.process_payment_intent as { payment_intent: string } | undefined)?.payment_intent,
      pi.id,
    );
    // Its node released the lease: still online (heard within 2 minutes), commands time out at once.
    assert.equal(after.status, 'online');
    assert.equal((await stripeError(api.terminal.readers.cancelAction(reader.id))).code, 'terminal_reader_timeout');
  });

  test('a device that reconnects to node B takes the reader over; the half-open connection on A is closed', async () => {
    const { reader, device, credential } = await pairedReaderAt(readerUrl, cluster.secretKey);
    open.push(device);
    // The old connection stays open (half-open from the device's side): the new one on B takes the lease.
    const moved = await TestDevice.connect(apiUrl, credential);
    open.push(moved);
    const closed = await device.closed;
    assert.equal(closed.code, 4000);
    assert.equal(closed.reason, 'replaced_by_new_connection');
    // Commands sent to node A now reach the device on node B.
    const viaA = stripeAt(readerUrl, cluster.secretKey);
    const pi = await paymentIntent();
    await viaA.terminal.readers.processPaymentIntent(reader.id, { payment_intent: pi.id });
    const action = actionOf(await moved.command());
    assert.equal((await moved.event(cardRead(action.id))).ok, true);
    assert.equal((await viaA.paymentIntents.retrieve(pi.id)).status, 'requires_capture');
  });

  test('virtual screen through node B of a device on node A: its screens, and touches from B reach it', async () => {
    const { reader, device } = await pairedReaderAt(readerUrl, cluster.secretKey);
    open.push(device);
    device.send({ type: 'screen', state: { screen: 'splash', message: 'Before' } });
    const response = await fetch(`${apiUrl}/opentill/v1/terminal/readers/${reader.id}/screen_sessions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${cluster.secretKey}` },
    });
    const session = (await response.json()) as { websocket_url: string };
    assert.ok(session.websocket_url.startsWith(apiUrl.replace(/^http/, 'ws')));
    const viewer = new WebSocket(session.websocket_url);
    const screens: Array<{ state?: { screen: string; message?: string } }> = [];
    viewer.on('message', (data) => screens.push(JSON.parse(data.toString()) as { state?: { screen: string } }));
    await new Promise((resolve) => viewer.once('open', resolve));
    try {
      // The first screen is the one node A kept for the device (not 'offline').
      await until(async () => screens.length > 0, 'first screen');
      await until(async () => screens.some((m) => m.state?.message === 'Before'), 'the kept screen');
      device.send({ type: 'screen', state: { screen: 'splash', message: 'Hello from A' } });
      await until(async () => screens.some((m) => m.state?.message === 'Hello from A'), 'relayed screen');
      viewer.send(JSON.stringify({ type: 'input', input: { type: 'cancel' } }));
      const forwarded = (await device.next('customer_input')) as Extract<ServerFrame, { type: 'customer_input' }>;
      assert.deepEqual(forwarded.input, { type: 'cancel' });
      // The device leaves: viewers on B see it offline.
      device.close();
      await until(async () => screens.at(-1)?.state?.screen === 'offline', 'offline screen');
    } finally {
      viewer.close();
    }
  });

  test('an SDK long-poll on node B answers a change committed on node A', async () => {
    const viaA = stripeAt(readerUrl, cluster.secretKey);
    const location = await viaA.terminal.locations.create({ display_name: 'POS', address: { country: 'FR' } });
    const reader = await viaA.terminal.readers.create({ registration_code: 'simulated-wpe', location: location.id });
    const token = await viaA.terminal.connectionTokens.create({});
    const nodeB = { baseUrl: apiUrl };
    const opened = await raw(nodeB, 'POST', '/opentill/v1/sdk/sessions', { json: { connection_token: token.secret } });
    assert.equal(opened.status, 200, opened.text);
    const session = String(opened.body['secret']);
    const connected = await raw(nodeB, 'POST', '/opentill/v1/sdk/connection', {
      key: session,
      json: { reader: reader.id },
    });
    assert.equal(connected.status, 200, connected.text);
    const first = await raw(nodeB, 'GET', '/opentill/v1/sdk/state', { key: session });
    const version = String(first.body['version']);
    const longPoll = raw(nodeB, 'GET', `/opentill/v1/sdk/state?after=${encodeURIComponent(version)}&wait_ms=20000`, {
      key: session,
    });
    const pi = await viaA.paymentIntents.create({
      currency: 'eur',
      payment_method_types: ['card_present'],
      amount: 600,
      capture_method: 'manual',
    } as Stripe.PaymentIntentCreateParams);
    await viaA.terminal.readers.processPaymentIntent(reader.id, { payment_intent: pi.id });
    const changed = await longPoll;
    assert.equal(changed.status, 200, changed.text);
    assert.notEqual(changed.body['version'], version);
    assert.match(changed.text, new RegExp(pi.id));
  });

  test('two nodes racing to own one reader: exactly one connection wins and takes the commands', async () => {
    const { reader, device, credential } = await pairedReaderAt(readerUrl, cluster.secretKey);
    device.close();
    await device.closed;
    const contenders = await Promise.allSettled([
      TestDevice.connect(readerUrl, credential),
      TestDevice.connect(apiUrl, credential),
    ]);
    const connected = contenders.flatMap((c) => (c.status === 'fulfilled' ? [c.value] : []));
    open.push(...connected);
    // Each contender either was refused before its welcome or is closed by the winner's takeover.
    await until(async () => connected.filter((d) => d.ws.readyState === d.ws.OPEN).length === 1, 'one live connection');
    const winners = connected.filter((d) => d.ws.readyState === d.ws.OPEN);
    assert.equal(winners.length, 1);
    const pi = await paymentIntent();
    await api.terminal.readers.processPaymentIntent(reader.id, { payment_intent: pi.id });
    const action = actionOf(await winners[0]!.command());
    assert.equal((await winners[0]!.event(cardRead(action.id))).ok, true);
    assert.equal((await api.paymentIntents.retrieve(pi.id)).status, 'requires_capture');
  });
});

describe('reader commands across nodes with every NOTIFY lost (postgres)', () => {
  test('the command rows still reach the device and its answer the sender, by polling', async () => {
    const cluster = await startNodes('bus_polling', 2, { OPENTILL_TEST_READER_BUS_WAKEUPS: 'off' });
    try {
      const [a, b] = cluster.nodes as [RunningServer, RunningServer];
      const { reader, device } = await pairedReaderAt(a.baseUrl, cluster.secretKey);
      try {
        const api = stripeAt(b.baseUrl, cluster.secretKey);
        const pi = await api.paymentIntents.create({
          currency: 'eur',
          payment_method_types: ['card_present'],
          amount: 700,
          capture_method: 'manual',
        } as Stripe.PaymentIntentCreateParams);
        await api.terminal.readers.processPaymentIntent(reader.id, { payment_intent: pi.id });
        const action = actionOf(await device.command());
        assert.equal((await device.event(cardRead(action.id))).ok, true);
        assert.equal((await api.paymentIntents.retrieve(pi.id)).status, 'requires_capture');
        // cancel_action of the next action, also carried by polling only.
        const next = await api.paymentIntents.create({
          currency: 'eur',
          payment_method_types: ['card_present'],
          amount: 800,
          capture_method: 'manual',
        } as Stripe.PaymentIntentCreateParams);
        await api.terminal.readers.processPaymentIntent(reader.id, { payment_intent: next.id });
        await device.command();
        assert.equal(((await api.terminal.readers.cancelAction(reader.id)) as Stripe.Terminal.Reader).action, null);
        assert.equal((await device.command()).command.type, 'cancel');
      } finally {
        device.close();
      }
    } finally {
      await cluster.stop();
    }
  });
});

describe('a reader whose node vanished (postgres)', () => {
  test('commands answer terminal_reader_timeout, as for a reader not connected on one node; nothing recorded', async () => {
    const cluster = await startNodes('bus_vanished', 2);
    try {
      const [a, b] = cluster.nodes as [RunningServer, RunningServer];
      const { reader, device } = await pairedReaderAt(a.baseUrl, cluster.secretKey);
      const api = stripeAt(b.baseUrl, cluster.secretKey);
      await a.stop('SIGKILL');
      await device.closed;
      const pi = await api.paymentIntents.create({
        currency: 'eur',
        payment_method_types: ['card_present'],
        amount: 900,
        capture_method: 'manual',
      } as Stripe.PaymentIntentCreateParams);
      // Lease still live (the node died without releasing it) or expired: either way no node takes the row.
      assert.equal(
        (await stripeError(api.terminal.readers.processPaymentIntent(reader.id, { payment_intent: pi.id }))).code,
        'terminal_reader_timeout',
      );
      const current = (await api.terminal.readers.retrieve(reader.id)) as Stripe.Terminal.Reader;
      assert.equal(current.action, null);
      assert.equal((await api.paymentIntents.retrieve(pi.id)).status, 'requires_payment_method');
    } finally {
      await cluster.stop();
    }
  });

  test("the device's node dies after delivering, before the ack: terminal_reader_timeout, the action kept (false negative)", async () => {
    const cluster = await startNodes('bus_died_mid', 2);
    try {
      const [a, b] = cluster.nodes as [RunningServer, RunningServer];
      const { reader, device, credential } = await pairedReaderAt(a.baseUrl, cluster.secretKey);
      const api = stripeAt(b.baseUrl, cluster.secretKey);
      const pi = await api.paymentIntents.create({
        currency: 'eur',
        payment_method_types: ['card_present'],
        amount: 950,
        capture_method: 'manual',
      } as Stripe.PaymentIntentCreateParams);
      device.autoAck = false;
      const call = stripeError(api.terminal.readers.processPaymentIntent(reader.id, { payment_intent: pi.id }));
      // Node A took the row and wrote the command to the device; it dies before any ack.
      await device.command();
      await a.stop('SIGKILL');
      assert.equal((await call).code, 'terminal_reader_timeout');
      // B cannot know whether the device got it: it keeps the action, as on one node for a lost ack.
      const current = (await api.terminal.readers.retrieve(reader.id)) as Stripe.Terminal.Reader;
      assert.equal(current.action?.status, 'in_progress');
      assert.equal(
        (current.action?.process_payment_intent as { payment_intent: string } | undefined)?.payment_intent,
        pi.id,
      );
      // The device reconnects to the survivor, which takes the reader over (A's lease is not released)
      // and hands it the action again; the card read completes it once.
      const moved = await TestDevice.connect(b.baseUrl, credential, null);
      try {
        const action = actionOf(await moved.command());
        assert.equal((await moved.event(cardRead(action.id))).ok, true);
        assert.equal((await api.paymentIntents.retrieve(pi.id)).status, 'requires_capture');
        const charges = await api.charges.list({ payment_intent: pi.id });
        assert.equal(charges.data.length, 1);
      } finally {
        moved.close();
      }
    } finally {
      await cluster.stop();
    }
  });
});
