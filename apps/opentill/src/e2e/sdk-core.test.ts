/**
 * OpenTill Terminal JS SDK, core flow, on both stores: the seed's JavaScript snippets against a
 * real server — fetch a token, discover a simulated reader, connect, collect, process, capture on
 * the backend, disconnect — and the connection-token rules (single use, never cached).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectionStatus, PaymentStatus, type Reader } from '@opentill/terminal-sdk';
import { stores } from './terminal-fixture.js';
import { errorOf, payload, sdkFixture, type SdkFixture } from './sdk-fixture.js';

for (const store of stores) {
  describe(`terminal SDK core flow (${store})`, () => {
    let f: SdkFixture;
    before(async () => {
      f = await sdkFixture(store, 'sdk_core');
    });
    after(async () => {
      await f.stop();
    });

    test('discover a simulated reader, connect, collect, process, capture', async () => {
      const t = f.terminal();
      const { terminal } = t;
      assert.equal(terminal.getConnectionStatus(), ConnectionStatus.NOT_CONNECTED);
      assert.equal(terminal.getPaymentStatus(), PaymentStatus.NOT_READY);
      assert.equal(t.tokenFetches(), 0, 'no token before it is needed');

      const discovered = payload(await terminal.discoverReaders({ simulated: true }));
      assert.equal(discovered.discoveredReaders.length, 1);
      const reader = discovered.discoveredReaders[0]!;
      assert.equal(reader.device_type, 'simulated_wisepos_e');
      assert.equal(reader.object, 'terminal.reader');
      assert.equal(t.tokenFetches(), 1);

      const connected = payload(await terminal.connectReader(reader));
      assert.equal(connected.reader.id, reader.id);
      assert.equal(t.tokenFetches(), 1, 'the session of the token is reused to connect');
      assert.equal(terminal.getConnectionStatus(), 'connected');
      assert.equal(terminal.getPaymentStatus(), 'ready');
      assert.equal((terminal.getConnectedReader() as Reader).id, reader.id);
      assert.deepEqual(t.connectionStatuses, ['connecting', 'connected']);

      const intent = await f.paymentIntent({ amount: 1000 });
      const collected = payload(await terminal.collectPaymentMethod(intent.client_secret!));
      assert.equal(collected.paymentIntent.id, intent.id);
      assert.equal(collected.paymentIntent.status, 'requires_confirmation');
      assert.equal(
        collected.paymentIntent.payment_method,
        null,
        'without update_payment_intent the local PI has no PaymentMethod',
      );
      assert.equal(collected.paymentIntent.sdk_payment_details.card_payment?.masked_pan, '************4242');
      assert.equal(collected.paymentIntent.sdk_payment_details.card_payment?.card_brand, 'VISA');
      assert.equal(collected.paymentIntent.sdk_payment_details.card_payment?.card_entry_method, 'CONTACTLESS');

      const processed = payload(await terminal.processPayment(collected.paymentIntent));
      assert.equal(processed.paymentIntent.status, 'requires_capture');
      assert.deepEqual(t.paymentStatuses, ['ready', 'waiting_for_input', 'ready', 'processing', 'ready']);

      // The same engine path as the server-driven API: the reader shows the actions.
      const serverReader = (await f.stripe.terminal.readers.retrieve(reader.id)) as {
        action: { type: string; status: string };
      };
      assert.equal(serverReader.action.type, 'confirm_payment_intent');
      assert.equal(serverReader.action.status, 'succeeded');

      const captured = await f.stripe.paymentIntents.capture(intent.id);
      assert.equal(captured.status, 'succeeded');
      assert.equal(captured.amount_received, 1000);

      payload(await terminal.disconnectReader());
      assert.equal(terminal.getConnectionStatus(), 'not_connected');
      assert.equal(terminal.getPaymentStatus(), 'not_ready');
      assert.equal(terminal.getConnectedReader(), null);
      assert.equal(t.disconnects.length, 0, 'a requested disconnect is not unexpected');

      // A new connection needs a new token.
      payload(await terminal.connectReader(reader));
      assert.equal(t.tokenFetches(), 2);
      payload(await terminal.disconnectReader());
    });

    test('a connection token is single use; the SDK never reuses a spent one', async () => {
      const token = (await f.stripe.terminal.connectionTokens.create()).secret;
      let calls = 0;
      const { terminal } = f.terminal({
        onFetchConnectionToken: async () => {
          calls += 1;
          return token;
        },
      });
      payload(await terminal.discoverReaders({ simulated: true }));
      payload(await terminal.clearCachedCredentials());
      const refused = errorOf(await terminal.discoverReaders({ simulated: true }));
      assert.equal(refused.code, 'failed_fetch_connection_token');
      assert.match(refused.message, /already used/);
      assert.equal(calls, 2, 'a fresh token is asked for after clearCachedCredentials');
    });
  });
}
