/**
 * The reader device protocol (opentill-reader/1) against a real server, with real WebSocket devices:
 * pairing and registration, payments, the acknowledgement deadline (and its false negative),
 * heartbeats and the 2-minute rule on the test clock, reconnect and resume, bad frames, the screen
 * hub, and `opentill reader --pair` as a child process.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import Stripe from 'stripe';
import WebSocket from 'ws';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freshSchema, opentillMain, startServer, testPostgres, type RunningServer } from '@opentill/testkit';
import type { ServerFrame } from '@opentill/reader-device';
import { stores, stripeError } from './terminal-fixture.js';
import { cardRead, TestDevice, type Credential } from './reader-device-client.js';

const ackTimeoutMs = 400;

for (const store of stores) {
  describe(`reader gateway (${store})`, () => {
    let server: RunningServer;
    let stripe: Stripe;
    let location: Stripe.Terminal.Location;
    const open: TestDevice[] = [];

    const opentill = async (path: string, params: Record<string, string> = {}) => {
      const response = await fetch(`${server.baseUrl}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${server.secretKey}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(params).toString(),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    const paymentIntent = (amount = 1000) =>
      stripe.paymentIntents.create({
        currency: 'eur',
        payment_method_types: ['card_present'],
        capture_method: 'manual',
        amount,
      } as Stripe.PaymentIntentCreateParams);
    /** Pairs a device, registers it, connects it: the whole onboarding. */
    const pairedReader = async (personality = 'wisepos_e') => {
      const { device: pairing, code } = await TestDevice.pair(server.baseUrl, personality);
      assert.match(code, /^[a-z]+-[a-z]+-[a-z]+$/);
      const reader = await stripe.terminal.readers.create({
        registration_code: code,
        location: location.id,
        label: 'Till',
      });
      const credential = await pairing.paired();
      assert.equal(credential.readerId, reader.id);
      const device = await TestDevice.connect(server.baseUrl, credential);
      open.push(device);
      return { reader, credential, device };
    };
    const until = async (check: () => Promise<boolean>, what: string, attempts = 100) => {
      for (let i = 0; i < attempts; i += 1) {
        if (await check()) return;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`timed out waiting for ${what}`);
    };

    before(async () => {
      server = await startServer({
        store,
        name: `gateway_${store}`,
        env: { OPENTILL_READER_ACK_TIMEOUT_MS: String(ackTimeoutMs) },
      });
      stripe = new Stripe(server.secretKey, {
        host: '127.0.0.1',
        port: server.port,
        protocol: 'http',
        maxNetworkRetries: 0,
      });
      location = await stripe.terminal.locations.create({ display_name: 'HQ', address: { country: 'FR' } });
    });
    after(async () => {
      for (const device of open) device.close();
      await server.stop();
    });

    test('pair → register → process_payment_intent → card read → action_succeeded', async () => {
      const { reader, device } = await pairedReader();
      assert.equal(reader.device_type, 'bbpos_wisepos_e');
      assert.equal(reader.status, 'online');
      assert.equal(reader.ip_address, '127.0.0.1');
      const pi = await paymentIntent();
      const started = await stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: pi.id });
      assert.equal(started.action?.status, 'in_progress');
      const command = await device.command();
      assert.equal(command.command.type, 'action');
      const action = (command.command as Extract<typeof command.command, { type: 'action' }>).action;
      assert.equal(action.amount, 1000);
      assert.equal(action.currency, 'eur');
      assert.equal(action.purpose, 'payment');
      const result = await device.event(cardRead(action.id));
      assert.deepEqual(result.error, null);
      const done = (await stripe.terminal.readers.retrieve(reader.id)) as Stripe.Terminal.Reader;
      assert.equal(done.action?.status, 'succeeded');
      assert.equal((await stripe.paymentIntents.retrieve(pi.id)).status, 'requires_capture');
      const processing = await device.next(
        'command',
        (f) => f.type === 'command' && f.command.type === 'action_update',
      );
      assert.equal((processing as { command: { status: string } }).command.status, 'processing');
      const update = await device.next('command', (f) => f.type === 'command' && f.command.type === 'action_update');
      assert.deepEqual((update as Extract<ServerFrame, { type: 'command' }>).command, {
        type: 'action_update',
        action_id: action.id,
        status: 'succeeded',
        message: null,
      });
      const events = await stripe.events.list({ type: 'terminal.reader.action_succeeded' });
      assert.ok(events.data.some((e) => (e.data.object as Stripe.Terminal.Reader).id === reader.id));
    });

    test('s700 personality, declines, PIN sent by the device, customer cancel', async () => {
      const { reader, device } = await pairedReader('s700');
      assert.equal(reader.device_type, 'stripe_s700');
      const declined = await paymentIntent();
      await stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: declined.id });
      let action = ((await device.command()).command as { action: { id: string } }).action;
      await device.event(cardRead(action.id, '4000000000009995'));
      let current = (await stripe.terminal.readers.retrieve(reader.id)) as Stripe.Terminal.Reader;
      assert.equal(current.action?.status, 'failed');
      assert.equal(current.action?.failure_code, 'card_declined');
      const pin = await paymentIntent(1002);
      await stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: pin.id });
      action = ((await device.command()).command as { action: { id: string } }).action;
      await device.event(cardRead(action.id, '4242424242424242', { pin: '1234' }));
      assert.equal((await stripe.paymentIntents.retrieve(pin.id)).status, 'requires_capture');
      const cancel = await paymentIntent();
      await stripe.terminal.readers.processPaymentIntent(reader.id, {
        payment_intent: cancel.id,
        process_config: { enable_customer_cancellation: true },
      });
      const cancelable = ((await device.command()).command as { action: { id: string; cancelable: boolean } }).action;
      assert.equal(cancelable.cancelable, true);
      await device.event({ type: 'customer_canceled', action_id: cancelable.id });
      current = (await stripe.terminal.readers.retrieve(reader.id)) as Stripe.Terminal.Reader;
      assert.equal(current.action?.failure_code, 'customer_canceled');
      // An event about an action that is not current is refused; the connection stays.
      const stale = await device.event(cardRead(action.id));
      assert.equal(stale.ok, false);
      device.send({ type: 'heartbeat' });
    });

    test('ack deadline: terminal_reader_timeout, including the false negative', async () => {
      const { reader, device } = await pairedReader();
      const pi = await paymentIntent();
      // The device gets the command but its ack is lost: the caller sees a timeout…
      device.autoAck = false;
      const call = stripeError(stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: pi.id }));
      const command = await device.command();
      const error = await call;
      assert.equal(error.code, 'terminal_reader_timeout');
      // …yet the action is in place, and the device completes it.
      const current = (await stripe.terminal.readers.retrieve(reader.id)) as Stripe.Terminal.Reader;
      assert.equal(current.action?.status, 'in_progress');
      const action = (command.command as { action: { id: string } }).action;
      await device.event(cardRead(action.id));
      assert.equal(
        ((await stripe.terminal.readers.retrieve(reader.id)) as Stripe.Terminal.Reader).action?.status,
        'succeeded',
      );
      // A device that drops the connection without acknowledging: timeout, and no action recorded.
      const pi2 = await paymentIntent();
      const call2 = stripeError(stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: pi2.id }));
      await device.command();
      device.ws.terminate();
      assert.equal((await call2).code, 'terminal_reader_timeout');
      const after = (await stripe.terminal.readers.retrieve(reader.id)) as Stripe.Terminal.Reader;
      assert.equal(
        (after.action?.process_payment_intent as { payment_intent: string } | undefined)?.payment_intent,
        pi.id,
      );
      // Disconnected but heard from within 2 minutes: still online, commands time out.
      assert.equal(after.status, 'online');
      assert.equal(
        (await stripeError(stripe.terminal.readers.cancelAction(reader.id))).code,
        'terminal_reader_timeout',
      );
    });

    test('heartbeats feed status and last_seen_at; offline after 2 minutes on the test clock', async () => {
      const { reader, device } = await pairedReader();
      const first = (await stripe.terminal.readers.retrieve(reader.id)) as Stripe.Terminal.Reader;
      assert.equal(first.status, 'online');
      assert.equal((await opentill('/opentill/v1/test/clock/advance', { seconds: '121' })).status, 200);
      const silent = (await stripe.terminal.readers.retrieve(reader.id)) as Stripe.Terminal.Reader;
      assert.equal(silent.status, 'offline');
      assert.equal(silent.last_seen_at, first.last_seen_at);
      const pi = await paymentIntent();
      assert.equal(
        (await stripeError(stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: pi.id }))).code,
        'terminal_reader_offline',
      );
      await until(async () => {
        device.send({ type: 'heartbeat' });
        return ((await stripe.terminal.readers.retrieve(reader.id)) as Stripe.Terminal.Reader).status === 'online';
      }, 'online');
      const back = (await stripe.terminal.readers.retrieve(reader.id)) as Stripe.Terminal.Reader;
      assert.ok((back.last_seen_at ?? 0) >= (first.last_seen_at ?? 0) + 121_000);
      const listed = await stripe.terminal.readers.list({ status: 'online', limit: 100 });
      assert.ok(listed.data.some((r) => r.id === reader.id));
    });

    test('reconnect and resume: the action in progress survives a short disconnect', async () => {
      const { reader, device, credential } = await pairedReader();
      const pi = await paymentIntent();
      await stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: pi.id });
      const action = ((await device.command()).command as { action: { id: string } }).action;
      device.ws.terminate();
      await device.closed;
      // The device lost its state: the server sends the action again.
      const fresh = await TestDevice.connect(server.baseUrl, credential, null);
      open.push(fresh);
      const again = (await fresh.command()).command as { type: string; action: { id: string } };
      assert.equal(again.type, 'action');
      assert.equal(again.action.id, action.id);
      fresh.close();
      await fresh.closed;
      // The device still has it: nothing to resend, it just goes on.
      const resumed = await TestDevice.connect(server.baseUrl, credential, action.id);
      open.push(resumed);
      await resumed.event(cardRead(action.id));
      assert.equal(
        ((await stripe.terminal.readers.retrieve(reader.id)) as Stripe.Terminal.Reader).action?.status,
        'succeeded',
      );
      assert.ok(!resumed.frames.some((f) => f.type === 'command' && f.command.type === 'action'));
      // A device resuming an action the server no longer has is told to drop it.
      resumed.close();
      await resumed.closed;
      const stale = await TestDevice.connect(server.baseUrl, credential, 'tmra_gone');
      open.push(stale);
      const cancel = await stale.command();
      assert.equal(cancel.command.type, 'cancel');
      // A second connection replaces the first.
      const second = await TestDevice.connect(server.baseUrl, credential);
      open.push(second);
      const replaced = await stale.next('error');
      assert.equal((replaced as { code: string }).code, 'replaced_by_new_connection');
    });

    test('bad frames: clear errors, the connection closed', async () => {
      const { credential, reader } = await pairedReader();
      const expectFatal = async (device: TestDevice, code: string) => {
        const error = (await device.next('error')) as Extract<ServerFrame, { type: 'error' }>;
        assert.equal(error.code, code, JSON.stringify(error));
        assert.equal(error.fatal, true);
        await device.closed;
      };
      const raw = async () => {
        const d = await TestDevice.open(server.baseUrl, '/opentill/v1/readers/connect');
        open.push(d);
        return d;
      };

      let device = await raw();
      device.ws.send('{not json');
      await expectFatal(device, 'malformed_message');

      device = await raw();
      device.send({ type: 'heartbeat' });
      await expectFatal(device, 'unauthenticated');

      device = await raw();
      device.send({
        type: 'hello',
        protocol: 'opentill-reader/1',
        account: credential.account,
        reader_id: credential.readerId,
        secret: 'rdrsk_wrong',
        action_id: null,
      });
      await expectFatal(device, 'unauthenticated');

      device = await raw();
      device.send({
        type: 'hello',
        protocol: 'opentill-reader/1',
        account: credential.account,
        reader_id: 'tmr_nope',
        secret: credential.secret,
        action_id: null,
      });
      await expectFatal(device, 'unknown_reader');

      device = await raw();
      device.send({
        type: 'hello',
        protocol: 'opentill-reader/9',
        account: credential.account,
        reader_id: credential.readerId,
        secret: credential.secret,
        action_id: null,
      });
      await expectFatal(device, 'unsupported_protocol');

      device = await raw();
      device.send({
        type: 'hello',
        protocol: 'opentill-reader/1',
        account: credential.account,
        reader_id: credential.readerId,
        secret: credential.secret,
        action_id: null,
        extra: 1,
      });
      await expectFatal(device, 'malformed_message');

      device = await TestDevice.connect(server.baseUrl, credential);
      open.push(device);
      device.send({ type: 'heartbeat', seq: 2 });
      device.send({ type: 'heartbeat', seq: 2 });
      await expectFatal(device, 'replayed_message');

      device = await TestDevice.connect(server.baseUrl, credential);
      open.push(device);
      device.send({ type: 'heartbeat', seq: 5 });
      await expectFatal(device, 'out_of_order');

      device = await TestDevice.connect(server.baseUrl, credential);
      open.push(device);
      device.send({ type: 'screen', state: { screen: 'splash', message: 'x'.repeat(70 * 1024) } });
      await expectFatal(device, 'message_too_large');

      // Beyond the hard cap the WebSocket layer itself closes (1009); invalid UTF-8 closes too (1007).
      device = await raw();
      device.ws.send('x'.repeat(300 * 1024));
      assert.equal((await device.closed).code, 1009);
      device = await raw();
      device.ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
      assert.equal((await device.closed).code, 1007);

      device = await TestDevice.connect(server.baseUrl, credential);
      open.push(device);
      for (let i = 0; i < 400 && device.ws.readyState === WebSocket.OPEN; i += 1) device.send({ type: 'heartbeat' });
      await expectFatal(device, 'rate_limited');

      // Nothing else was affected: the reader still works with a fresh connection.
      device = await TestDevice.connect(server.baseUrl, credential);
      open.push(device);
      const pi = await paymentIntent();
      await stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: pi.id });
      const action = ((await device.command()).command as { action: { id: string } }).action;
      await device.event(cardRead(action.id));
      assert.equal((await stripe.paymentIntents.retrieve(pi.id)).status, 'requires_capture');

      // A pairing code is single-use and a made-up one is refused.
      assert.equal(
        (
          await stripeError(
            stripe.terminal.readers.create({ registration_code: 'able-acid-aged', location: location.id }),
          )
        ).param,
        'registration_code',
      );
      // Deleting the reader revokes it: the connected device is told and dropped, and cannot come back.
      await stripe.terminal.readers.del(reader.id);
      await expectFatal(device, 'reader_revoked');
      device = await raw();
      device.send({
        type: 'hello',
        protocol: 'opentill-reader/1',
        account: credential.account,
        reader_id: credential.readerId,
        secret: credential.secret,
        action_id: null,
      });
      await expectFatal(device, 'reader_revoked');
    });

    test('screen hub: a viewer sees the simulated device and pays by touching it', async () => {
      const reader = await stripe.terminal.readers.create({
        registration_code: 'simulated-wpe',
        location: location.id,
      });
      const session = await opentill(`/opentill/v1/terminal/readers/${reader.id}/screen_sessions`);
      assert.equal(session.status, 200, JSON.stringify(session.body));
      assert.equal(session.body['object'], 'opentill.screen_session');
      assert.match(String(session.body['url']), new RegExp(`/opentill/screen/${reader.id}\\?token=`));
      const wsUrl = `${server.baseUrl.replace('http', 'ws')}/opentill/v1/screen/connect?token=${encodeURIComponent(String(session.body['token']))}`;
      const viewer = new WebSocket(wsUrl);
      const screens: Array<{ type: string; state?: { screen: string }; reason?: string }> = [];
      viewer.on('message', (data) => screens.push(JSON.parse(data.toString()) as { type: string }));
      await new Promise((resolve) => viewer.once('open', resolve));
      const seen = (screen: string) =>
        until(async () => screens.some((s) => s.state?.screen === screen), `screen ${screen}`);
      await seen('splash');
      const pi = await paymentIntent(1002);
      await stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: pi.id });
      await seen('collect');
      viewer.send(
        JSON.stringify({
          type: 'input',
          input: { type: 'present_card', number: '4242424242424242', read_method: 'contact_emv', wallet: null },
        }),
      );
      await seen('pin');
      viewer.send(JSON.stringify({ type: 'input', input: { type: 'enter_pin', pin: '12' } }));
      await until(async () => screens.some((s) => s.type === 'input_rejected'), 'input_rejected');
      viewer.send(JSON.stringify({ type: 'input', input: { type: 'enter_pin', pin: '1234' } }));
      await until(
        async () => screens.some((s) => (s.state as { outcome?: string } | undefined)?.outcome === 'approved'),
        'approved',
      );
      assert.equal((await stripe.paymentIntents.retrieve(pi.id)).status, 'requires_capture');
      viewer.close();
      // A bad token never upgrades.
      const refused = new WebSocket(
        `${server.baseUrl.replace('http', 'ws')}/opentill/v1/screen/connect?token=otscr_nope.aaaaaaaaaaaaaaaaaaaaaaaa`,
      );
      const status = await new Promise<number>((resolve) => {
        refused.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        refused.on('error', () => resolve(-1));
      });
      assert.equal(status, 401);
    });

    test('screen hub: on-reader tipping from the Configuration, then customer cancel', async () => {
      const configuration = await stripe.terminal.configurations.create({
        tipping: { eur: { percentages: [10, 15, 20] } },
      });
      const tipLocation = await stripe.terminal.locations.create({
        display_name: 'Bar',
        address: { country: 'FR' },
        configuration_overrides: configuration.id,
      });
      const reader = await stripe.terminal.readers.create({
        registration_code: 'simulated-wpe',
        location: tipLocation.id,
      });
      const session = await opentill(`/opentill/v1/terminal/readers/${reader.id}/screen_sessions`);
      const viewer = new WebSocket(String(session.body['websocket_url']));
      const screens: Array<{ type: string; state?: Record<string, unknown> }> = [];
      viewer.on('message', (data) => screens.push(JSON.parse(data.toString()) as { type: string }));
      await new Promise((resolve) => viewer.once('open', resolve));
      const seen = (screen: string) =>
        until(async () => screens.some((s) => s.state?.['screen'] === screen), `screen ${screen}`);
      const pi = await paymentIntent(1000);
      await stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: pi.id });
      await seen('collect');
      viewer.send(
        JSON.stringify({
          type: 'input',
          input: { type: 'present_card', number: '4242424242424242', read_method: 'contactless_emv', wallet: null },
        }),
      );
      await seen('tip');
      const tip = screens.find((s) => s.state?.['screen'] === 'tip')!.state!;
      assert.deepEqual(
        (tip['options'] as Array<{ amount: number }>).map((o) => o.amount),
        [100, 150, 200],
      );
      viewer.send(JSON.stringify({ type: 'input', input: { type: 'choose_tip', amount: 150 } }));
      await until(
        async () => (await stripe.paymentIntents.retrieve(pi.id)).status === 'requires_capture',
        'tipped payment',
      );
      assert.equal((await stripe.paymentIntents.retrieve(pi.id)).amount, 1150);
      // The cancel button only exists when the action enabled it.
      const second = await paymentIntent(1000);
      await stripe.terminal.readers.processPaymentIntent(reader.id, {
        payment_intent: second.id,
        process_config: { enable_customer_cancellation: true, skip_tipping: true },
      });
      await until(
        async () => screens.some((s) => s.state?.['screen'] === 'collect' && s.state['cancelable'] === true),
        'cancelable',
      );
      viewer.send(JSON.stringify({ type: 'input', input: { type: 'cancel' } }));
      await until(async () => screens.some((s) => s.state?.['outcome'] === 'canceled'), 'canceled screen');
      const canceled = (await stripe.terminal.readers.retrieve(reader.id)) as Stripe.Terminal.Reader;
      assert.equal(canceled.action?.failure_code, 'customer_canceled');
      viewer.send('{"type":"input","input":{"type":"cancel","extra":1}}');
      await until(async () => screens.some((s) => s.type === 'input_rejected'), 'malformed input rejected');
      viewer.close();
    });

    /** A screen viewer of a simulated reader, over the screen channel. */
    const screenViewer = async (readerId: string) => {
      const session = await opentill(`/opentill/v1/terminal/readers/${readerId}/screen_sessions`);
      const ws = new WebSocket(String(session.body['websocket_url']));
      const messages: Array<{ type: string; state?: Record<string, unknown>; reason?: string }> = [];
      ws.on('message', (data) => messages.push(JSON.parse(data.toString()) as { type: string }));
      await new Promise((resolve) => ws.once('open', resolve));
      const last = () => [...messages].reverse().find((m) => m.type === 'screen')?.state;
      return {
        ws,
        messages,
        last,
        touch: (input: Record<string, unknown>) => ws.send(JSON.stringify({ type: 'input', input })),
        /** Waits until the latest screen is `screen` (and passes `check`). */
        shows: (screen: string, check: (state: Record<string, unknown>) => boolean = () => true) =>
          until(
            async () => last()?.['screen'] === screen && check(last()!),
            `screen ${screen} (last: ${JSON.stringify(last())})`,
          ),
        rejected: () => until(async () => messages.some((m) => m.type === 'input_rejected'), 'input_rejected'),
      };
    };

    test('screen hub: a tip, then the PIN pad; fixed tips labelled as money', async () => {
      const configuration = await stripe.terminal.configurations.create({
        tipping: { eur: { fixed_amounts: [100, 200, 500] } },
      });
      const tipLocation = await stripe.terminal.locations.create({
        display_name: 'Bar',
        address: { country: 'FR' },
        configuration_overrides: configuration.id,
      });
      const reader = await stripe.terminal.readers.create({
        registration_code: 'simulated-wpe',
        location: tipLocation.id,
      });
      const viewer = await screenViewer(reader.id);
      const pi = await paymentIntent(1002);
      await stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: pi.id });
      await viewer.shows('collect');
      viewer.touch({ type: 'present_card', number: '4242424242424242', read_method: 'contactless_emv', wallet: null });
      await viewer.shows('tip');
      assert.deepEqual(viewer.last()!['options'], [
        { label: '€1.00', amount: 100 },
        { label: '€2.00', amount: 200 },
        { label: '€5.00', amount: 500 },
      ]);
      viewer.touch({ type: 'choose_tip', amount: 200 });
      await viewer.shows('pin', (s) => s['amount'] === 1202);
      viewer.touch({ type: 'enter_pin', pin: '1234' });
      await viewer.shows('result', (s) => s['outcome'] === 'approved');
      const paid = await stripe.paymentIntents.retrieve(pi.id);
      assert.equal(paid.status, 'requires_capture');
      assert.equal(paid.amount, 1202);
      assert.equal(paid.amount_details?.tip?.amount, 200);
      assert.ok(!viewer.messages.some((m) => m.type === 'input_rejected'), JSON.stringify(viewer.messages));
      viewer.ws.close();
    });

    test('screen hub: an inserted card is taken back after the result; a tapped one has nothing to remove', async () => {
      const reader = await stripe.terminal.readers.create({
        registration_code: 'simulated-s700',
        location: location.id,
      });
      const viewer = await screenViewer(reader.id);
      const inserted = await paymentIntent(1000);
      await stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: inserted.id });
      await viewer.shows('collect');
      viewer.touch({ type: 'present_card', number: '4242424242424242', read_method: 'contact_emv', wallet: null });
      await viewer.shows('result', (s) => s['outcome'] === 'approved');
      viewer.touch({ type: 'remove_card' });
      await viewer.shows('splash');
      assert.ok(!viewer.messages.some((m) => m.type === 'input_rejected'), JSON.stringify(viewer.messages));
      // The action itself is untouched: still succeeded.
      assert.equal(
        ((await stripe.terminal.readers.retrieve(reader.id)) as Stripe.Terminal.Reader).action?.status,
        'succeeded',
      );

      const tapped = await paymentIntent(1000);
      await stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: tapped.id });
      await viewer.shows('collect');
      viewer.touch({ type: 'present_card', number: '4242424242424242', read_method: 'contactless_emv', wallet: null });
      await viewer.shows('result', (s) => s['outcome'] === 'approved');
      viewer.touch({ type: 'remove_card' });
      await viewer.rejected();
      // Nothing changed: still the result, or already the splash it returns to by itself (resultIdleMs).
      assert.ok(['result', 'splash'].includes(String(viewer.last()?.['screen'])), JSON.stringify(viewer.last()));
      viewer.ws.close();
    });

    test('screen hub: PIN test cards show the PIN pad to the viewer; present_payment_method still types 1234', async () => {
      const reader = await stripe.terminal.readers.create({
        registration_code: 'simulated-wpe',
        location: location.id,
      });
      const viewer = await screenViewer(reader.id);
      for (const [number, cvm] of [
        ['4000008260000075', 'offline_pin'],
        ['4000002760000008', 'online_pin'],
        ['4001007020000002', 'offline_pin'],
        ['4001000360000005', 'online_pin'],
      ] as const) {
        const pi = await paymentIntent(1500);
        await stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: pi.id });
        await viewer.shows('collect');
        viewer.touch({ type: 'present_card', number, read_method: 'contact_emv', wallet: null });
        await viewer.shows('pin');
        assert.equal(
          ((await stripe.terminal.readers.retrieve(reader.id)) as Stripe.Terminal.Reader).action?.status,
          'in_progress',
          number,
        );
        viewer.touch({ type: 'enter_pin', pin: '1234' });
        await viewer.shows('result', (s) => s['outcome'] === 'approved');
        const paid = await stripe.paymentIntents.retrieve(pi.id, { expand: ['latest_charge'] });
        assert.equal(paid.status, 'requires_capture', number);
        assert.equal(
          (paid.latest_charge as Stripe.Charge).payment_method_details?.card_present?.receipt
            ?.cardholder_verification_method,
          cvm,
          number,
        );
      }
      // The API-only test helper answers the PIN itself (docs/terminal.md).
      const pi = await paymentIntent(1500);
      await stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: pi.id });
      const done = await stripe.testHelpers.terminal.readers.presentPaymentMethod(reader.id, {
        card_present: { number: '4000002760000008' },
      });
      assert.equal(done.action?.status, 'succeeded', JSON.stringify(done.action));
      assert.equal((await stripe.paymentIntents.retrieve(pi.id)).status, 'requires_capture');
      viewer.ws.close();
    });

    test("screen hub relays a gateway device's screens and forwards touches to it", async () => {
      const { reader, device } = await pairedReader();
      const session = await opentill(`/opentill/v1/terminal/readers/${reader.id}/screen_sessions`);
      const viewer = new WebSocket(
        `${server.baseUrl.replace('http', 'ws')}/opentill/v1/screen/connect?token=${encodeURIComponent(String(session.body['token']))}`,
      );
      const messages: Array<{ type: string; state?: { screen: string } }> = [];
      viewer.on('message', (data) => messages.push(JSON.parse(data.toString()) as { type: string }));
      await new Promise((resolve) => viewer.once('open', resolve));
      await until(async () => messages.length > 0, 'first screen');
      device.send({ type: 'screen', state: { screen: 'splash', message: 'Hello' } });
      await until(
        async () => messages.some((m) => (m.state as { message?: string } | undefined)?.message === 'Hello'),
        'relayed screen',
      );
      viewer.send(JSON.stringify({ type: 'input', input: { type: 'cancel' } }));
      const forwarded = (await device.next('customer_input')) as Extract<ServerFrame, { type: 'customer_input' }>;
      assert.deepEqual(forwarded.input, { type: 'cancel' });
      viewer.close();
    });

    if (store === 'sqlite') {
      test('`opentill reader --pair` end to end as a child process', async () => {
        const child = spawn(
          process.execPath,
          [
            opentillMain,
            'reader',
            '--pair',
            '--api-base',
            server.baseUrl,
            '--personality',
            's700',
            '--auto-present',
            '4242424242424242',
            '--quiet',
          ],
          { stdio: ['ignore', 'pipe', 'pipe'] },
        );
        let output = '';
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
        });
        child.stderr.on('data', (chunk: Buffer) => {
          output += chunk.toString();
        });
        try {
          // A child process start: up to 60 s (under load it took more than the 5 s the in-process waits get).
          await until(async () => /Registration code: \S+/.test(output), 'registration code', 1_200);
          const code = /Registration code: (\S+)/.exec(output)![1]!;
          const reader = await stripe.terminal.readers.create({ registration_code: code, location: location.id });
          assert.equal(reader.device_type, 'stripe_s700');
          await until(async () => /connected as/.test(output), `connected:\n${output}`, 1_200);
          const pi = await paymentIntent();
          await stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: pi.id });
          await until(
            async () => (await stripe.paymentIntents.retrieve(pi.id)).status === 'requires_capture',
            `payment:\n${output}`,
            1_200,
          );
          await until(
            async () =>
              ((await stripe.terminal.readers.retrieve(reader.id)) as Stripe.Terminal.Reader).action?.status ===
              'succeeded',
            'action succeeded',
          );
          const credential = /--reader-secret (\S+)/.exec(output)![1]!;
          assert.match(credential, /^acct_[^/]+\/tmr_[^/]+\/rdrsk_/);
          child.kill();
          // Later: the same reader again with its credential.
          const again = spawn(
            process.execPath,
            [
              opentillMain,
              'reader',
              '--reader-secret',
              credential,
              '--api-base',
              server.baseUrl,
              '--auto-present',
              '5555555555554444',
            ],
            { stdio: ['ignore', 'pipe', 'pipe'] },
          );
          let output2 = '';
          again.stdout.on('data', (chunk: Buffer) => {
            output2 += chunk.toString();
          });
          try {
            await until(async () => /connected as/.test(output2), `reconnected:\n${output2}`, 1_200);
            const pi2 = await paymentIntent();
            await stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: pi2.id });
            await until(
              async () => (await stripe.paymentIntents.retrieve(pi2.id)).status === 'requires_capture',
              `payment 2:\n${output2}`,
              1_200,
            );
            await until(
              async () => /screen result .*approved/.test(output2),
              `approved on the device:\n${output2}`,
              1_200,
            );
          } finally {
            again.kill();
          }
        } finally {
          child.kill();
        }
      });
    }
  });
}

export type { Credential };

/** Screens of a simulated reader, as a viewer on `server` sees them. */
async function viewScreens(
  server: RunningServer,
  readerId: string,
): Promise<{ screens: Array<{ state?: { screen: string } }>; ws: WebSocket }> {
  const response = await fetch(`${server.baseUrl}/opentill/v1/terminal/readers/${readerId}/screen_sessions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.secretKey}` },
  });
  const session = (await response.json()) as { websocket_url: string };
  const ws = new WebSocket(session.websocket_url);
  const screens: Array<{ state?: { screen: string } }> = [];
  ws.on('message', (data) => screens.push(JSON.parse(data.toString()) as { state?: { screen: string } }));
  await new Promise((resolve) => ws.once('open', resolve));
  for (let i = 0; i < 100 && screens.length === 0; i += 1) await new Promise((r) => setTimeout(r, 20));
  return { screens, ws };
}

describe('simulated readers: one device state for every node and across restarts', () => {
  test('postgres: an action started on node A is on the screen of node B, and a touch on B completes it', async () => {
    const pg = await testPostgres();
    const schema = await freshSchema(pg.url, 'gateway_nodes');
    const a = await startServer({ store: 'postgres', name: 'gateway_nodes_a', database: schema.url });
    const b = await startServer({
      store: 'postgres',
      name: 'gateway_nodes_b',
      database: schema.url,
      secretKey: a.secretKey,
    });
    try {
      const stripeA = new Stripe(a.secretKey, {
        host: '127.0.0.1',
        port: a.port,
        protocol: 'http',
        maxNetworkRetries: 0,
      });
      const location = await stripeA.terminal.locations.create({ display_name: 'HQ', address: { country: 'FR' } });
      const reader = await stripeA.terminal.readers.create({
        registration_code: 'simulated-s700',
        location: location.id,
      });
      const pi = await stripeA.paymentIntents.create({
        currency: 'eur',
        payment_method_types: ['card_present'],
        amount: 1500,
        capture_method: 'manual',
      } as Stripe.PaymentIntentCreateParams);
      await stripeA.terminal.readers.processPaymentIntent(reader.id, { payment_intent: pi.id });
      const viewer = await viewScreens(b, reader.id);
      assert.equal(viewer.screens[0]?.state?.screen, 'collect');
      assert.equal((viewer.screens[0]?.state as { amount?: number }).amount, 1500);
      viewer.ws.send(
        JSON.stringify({
          type: 'input',
          input: { type: 'present_card', number: '5555555555554444', read_method: 'contactless_emv', wallet: null },
        }),
      );
      for (let i = 0; i < 100 && (await stripeA.paymentIntents.retrieve(pi.id)).status !== 'requires_capture'; i += 1) {
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal((await stripeA.paymentIntents.retrieve(pi.id)).status, 'requires_capture');
      viewer.ws.close();
    } finally {
      await b.stop();
      await a.stop();
      await schema.drop();
    }
  });

  test('sqlite: the device state survives a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'opentill-gateway-restart-'));
    let server = await startServer({ store: 'sqlite', name: 'gateway_restart', dataDir });
    try {
      const stripe = new Stripe(server.secretKey, {
        host: '127.0.0.1',
        port: server.port,
        protocol: 'http',
        maxNetworkRetries: 0,
      });
      const location = await stripe.terminal.locations.create({ display_name: 'HQ', address: { country: 'FR' } });
      const reader = await stripe.terminal.readers.create({
        registration_code: 'simulated-wpe',
        location: location.id,
      });
      await stripe.terminal.readers.setReaderDisplay(reader.id, {
        type: 'cart',
        cart: {
          currency: 'eur',
          line_items: [{ amount: 500, description: 'Croissant', quantity: 2 }],
          tax: 0,
          total: 1000,
        },
      });
      const secretKey = server.secretKey;
      await server.stop();
      server = await startServer({ store: 'sqlite', name: 'gateway_restart', dataDir, secretKey });
      const viewer = await viewScreens(server, reader.id);
      assert.equal(viewer.screens[0]?.state?.screen, 'cart');
      viewer.ws.close();
    } finally {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
