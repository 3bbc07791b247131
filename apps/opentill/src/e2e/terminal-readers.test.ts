/** Terminal locations and readers (registration, CRUD, list filters, bad input), black-box with stripe-node. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { listAll } from './helpers.js';
import { stores, stripeError, terminalFixture, type TerminalFixture } from './terminal-fixture.js';

for (const store of stores) {
  describe(`terminal locations and readers (${store})`, () => {
    let f: TerminalFixture;
    before(async () => {
      f = await terminalFixture(store, 'terminal_readers');
    });
    after(async () => {
      await f.stop();
    });

    test('locations: create, retrieve, update, list, delete', async () => {
      const { stripe } = f;
      const location = await stripe.terminal.locations.create({
        display_name: 'Boutique',
        address: { line1: '3 rue X', city: 'Lyon', postal_code: '69001', country: 'fr' },
        metadata: { store: '12' },
      });
      assert.match(location.id, /^tml_/);
      assert.equal(location.object, 'terminal.location');
      assert.equal(location.address.country, 'FR');
      assert.deepEqual(location.metadata, { store: '12' });
      const updated = (await stripe.terminal.locations.update(location.id, {
        display_name: 'Boutique 2',
        address: { line1: '4 rue X' },
        metadata: { floor: '1' },
      })) as typeof location;
      assert.equal(updated.display_name, 'Boutique 2');
      assert.equal(updated.address.line1, '4 rue X');
      assert.equal(updated.address.city, 'Lyon');
      assert.deepEqual(updated.metadata, { store: '12', floor: '1' });
      const changeCountry = await stripeError(
        stripe.terminal.locations.update(location.id, { address: { country: 'DE' } }),
      );
      assert.equal(changeCountry.statusCode, 400);
      assert.equal(changeCountry.param, 'address[country]');
      const missingCountry = await stripeError(
        stripe.terminal.locations.create({
          display_name: 'x',
          address: { city: 'Paris' } as unknown as { country: string },
        }),
      );
      assert.equal(missingCountry.code, 'parameter_missing');
      assert.equal(missingCountry.param, 'address[country]');
      const list = await stripe.terminal.locations.list({ limit: 100 });
      assert.ok(list.data.some((l) => l.id === location.id));
      const deleted = await stripe.terminal.locations.del(location.id);
      assert.deepEqual(deleted, { id: location.id, object: 'terminal.location', deleted: true });
      const gone = await stripeError(stripe.terminal.locations.retrieve(location.id));
      assert.equal(gone.statusCode, 404);
      assert.equal(gone.code, 'resource_missing');
      assert.ok(!(await listAll(stripe.terminal.locations.list({ limit: 100 }))).some((l) => l.id === location.id));
    });

    test('readers: register simulated readers, retrieve, update, list with filters, delete', async () => {
      const { stripe } = f;
      const location = await f.location();
      const wpe = await stripe.terminal.readers.create({
        registration_code: 'simulated-wpe',
        label: 'Caisse 1',
        location: location.id,
      });
      assert.match(wpe.id, /^tmr_/);
      assert.equal(wpe.object, 'terminal.reader');
      assert.equal(wpe.device_type, 'simulated_wisepos_e');
      assert.equal(wpe.label, 'Caisse 1');
      assert.equal(wpe.location, location.id);
      assert.equal(wpe.status, 'online');
      assert.equal(wpe.action, null);
      assert.equal(wpe.ip_address, '0.0.0.0');
      assert.equal(wpe.device_sw_version, '');
      assert.match(wpe.serial_number, /^simulated-wpe-/);
      assert.ok(typeof wpe.last_seen_at === 'number' && wpe.last_seen_at > 1e12, 'last_seen_at in milliseconds');
      const codes: Record<string, string> = {
        'simulated-s700': 'simulated_stripe_s700',
        'simulated-s710': 'simulated_stripe_s710',
        'simulated-v660p': 'simulated_verifone_v660p',
      };
      const others: Array<{ id: string }> = [];
      for (const [code, type] of Object.entries(codes)) {
        const reader = await f.reader(code);
        assert.equal(reader.device_type, type);
        assert.equal(reader.label, reader.serial_number);
        others.push(reader);
      }
      const retrieved = (await stripe.terminal.readers.retrieve(wpe.id)) as typeof wpe;
      assert.equal(retrieved.serial_number, wpe.serial_number);
      const expanded = (await stripe.terminal.readers.retrieve(wpe.id, { expand: ['location'] })) as typeof wpe;
      assert.equal((expanded.location as { id: string }).id, location.id);
      const updated = (await stripe.terminal.readers.update(wpe.id, {
        label: 'Caisse A',
        metadata: { till: 'A' },
      })) as typeof wpe;
      assert.equal(updated.label, 'Caisse A');
      assert.deepEqual(updated.metadata, { till: 'A' });

      const byType = await stripe.terminal.readers.list({ device_type: 'simulated_stripe_s700', limit: 100 });
      assert.ok(byType.data.length >= 1 && byType.data.every((r) => r.device_type === 'simulated_stripe_s700'));
      const bySerial = await stripe.terminal.readers.list({ serial_number: wpe.serial_number });
      assert.deepEqual(
        bySerial.data.map((r) => r.id),
        [wpe.id],
      );
      const byLocation = await stripe.terminal.readers.list({ location: location.id, limit: 100 });
      assert.ok(byLocation.data.some((r) => r.id === wpe.id));
      const online = await stripe.terminal.readers.list({ status: 'online', limit: 100 });
      assert.ok(online.data.some((r) => r.id === wpe.id));

      const deleted = await stripe.terminal.readers.del(others[0]!.id);
      assert.equal(deleted.deleted, true);
      assert.equal(deleted.id, others[0]!.id);
      assert.equal((await stripeError(stripe.terminal.readers.retrieve(others[0]!.id))).code, 'resource_missing');
      assert.ok(!(await listAll(stripe.terminal.readers.list({ limit: 100 }))).some((r) => r.id === others[0]!.id));
      // A location with readers cannot be deleted.
      const busyLocation = await stripeError(stripe.terminal.locations.del(location.id));
      assert.equal(busyLocation.statusCode, 400);
    });

    test('readers: the status filter follows presence (the 2-minute rule), with pagination both ways', async () => {
      const location = await f.stripe.terminal.locations.create({
        display_name: 'Presence',
        address: { country: 'US' },
      });
      const made = [];
      for (let i = 0; i < 7; i += 1) {
        made.push(
          await f.stripe.terminal.readers.create({ registration_code: 'simulated-s700', location: location.id }),
        );
      }
      // Readers 1, 3 and 5 go silent (fault injection: their last signal is 3 minutes ago).
      for (const i of [1, 3, 5]) {
        await f.opentill(`/opentill/v1/test/terminal/readers/${made[i]!.id}/offline`, { silent_for_seconds: '180' });
      }
      const ids = (list: { data: Array<{ id: string }> }) => list.data.map((r) => r.id);
      const newestFirst = [...made].reverse();
      const offline = newestFirst.filter((_, i) => [1, 3, 5].includes(made.length - 1 - i)).map((r) => r.id);
      const online = newestFirst.filter((_, i) => ![1, 3, 5].includes(made.length - 1 - i)).map((r) => r.id);
      const all = await f.stripe.terminal.readers.list({ location: location.id, status: 'offline', limit: 100 });
      assert.deepEqual(ids(all), offline);
      assert.ok(all.data.every((r) => r.status === 'offline'));
      const first = await f.stripe.terminal.readers.list({ location: location.id, status: 'online', limit: 2 });
      assert.deepEqual(ids(first), online.slice(0, 2));
      assert.equal(first.has_more, true);
      const second = await f.stripe.terminal.readers.list({
        location: location.id,
        status: 'online',
        limit: 2,
        starting_after: online[1]!,
      });
      assert.deepEqual(ids(second), online.slice(2, 4));
      assert.equal(second.has_more, false);
      const back = await f.stripe.terminal.readers.list({
        location: location.id,
        status: 'online',
        limit: 2,
        ending_before: online[3]!,
      });
      assert.deepEqual(ids(back), online.slice(1, 3));
      assert.equal(back.has_more, true);
      for (const i of [1, 3, 5]) await f.opentill(`/opentill/v1/test/terminal/readers/${made[i]!.id}/online`);
      for (const reader of made) await f.stripe.terminal.readers.del(reader.id);
    });

    test('configurations: account default, groups, location override, effective configuration', async () => {
      const { stripe } = f;
      const defaults = await stripe.terminal.configurations.list({ is_account_default: true });
      assert.equal(defaults.data.length, 1);
      assert.equal(defaults.data[0]!.is_account_default, true);
      const configuration = await stripe.terminal.configurations.create({
        name: 'Bar',
        tipping: { eur: { percentages: [5, 10, 15], smart_tip_threshold: 1000 } },
        offline: { enabled: false },
        reboot_window: { start_hour: 2, end_hour: 4 },
        bbpos_wisepos_e: { splashscreen: 'file_123' },
        wifi: { type: 'personal_psk', personal_psk: { ssid: 'shop', password: 'hunter22' } },
      });
      assert.match(configuration.id, /^tmc_/);
      assert.equal(configuration.is_account_default, false);
      assert.deepEqual(configuration.tipping?.eur?.percentages, [5, 10, 15]);
      assert.deepEqual(configuration.reboot_window, { start_hour: 2, end_hour: 4 });
      assert.equal(
        (configuration.wifi as unknown as Record<string, Record<string, unknown>>)['personal_psk']!['password'],
        undefined,
      );
      const cleared = (await stripe.terminal.configurations.update(configuration.id, {
        offline: '',
        name: 'Bar 2',
      })) as typeof configuration;
      assert.equal(cleared.offline, undefined);
      assert.equal(cleared.name, 'Bar 2');
      const sameWindow = await stripeError(
        stripe.terminal.configurations.create({ reboot_window: { start_hour: 3, end_hour: 3 } }),
      );
      assert.equal(sameWindow.statusCode, 400);
      const mixedKeys = await stripeError(
        stripe.terminal.configurations.create({
          tipping: { eur: { percentages: [5] }, usd: { fixed_amounts: [100] } },
        }),
      );
      assert.equal(mixedKeys.statusCode, 400);

      const location = await stripe.terminal.locations.create({
        display_name: 'Bar',
        address: { country: 'FR' },
        configuration_overrides: configuration.id,
      });
      assert.equal(location.configuration_overrides, configuration.id);
      const reader = await stripe.terminal.readers.create({
        registration_code: 'simulated-s700',
        location: location.id,
      });
      const effective = (await fetch(`${f.server.baseUrl}/opentill/v1/terminal/readers/${reader.id}/configuration`, {
        headers: { authorization: `Bearer ${f.server.secretKey}` },
      }).then((r) => r.json())) as { id: string };
      assert.equal(effective.id, configuration.id);
      const defaultReader = await f.reader();
      const fallback = (await fetch(
        `${f.server.baseUrl}/opentill/v1/terminal/readers/${defaultReader.id}/configuration`,
        {
          headers: { authorization: `Bearer ${f.server.secretKey}` },
        },
      ).then((r) => r.json())) as { id: string };
      assert.equal(fallback.id, defaults.data[0]!.id);
      assert.equal((await stripeError(stripe.terminal.configurations.del(defaults.data[0]!.id))).statusCode, 400);
      await stripe.terminal.readers.del(reader.id);
      await stripe.terminal.locations.del(location.id);
      const deleted = await stripe.terminal.configurations.del(configuration.id);
      assert.equal(deleted.deleted, true);
    });

    test('connection tokens: pst_test_ secrets, optional location scope', async () => {
      const { stripe } = f;
      const token = await stripe.terminal.connectionTokens.create();
      assert.equal(token.object, 'terminal.connection_token');
      assert.match(token.secret, /^pst_test_/);
      assert.equal(token.location, undefined);
      const location = await f.location();
      const scoped = await stripe.terminal.connectionTokens.create({ location: location.id });
      assert.equal(scoped.location, location.id);
      assert.notEqual(scoped.secret, token.secret);
      const bad = await stripeError(stripe.terminal.connectionTokens.create({ location: 'tml_nope' }));
      assert.equal(bad.code, 'resource_missing');
    });

    test('readers: bad input answers Stripe-format 4xx and changes nothing', async () => {
      const { stripe } = f;
      const location = await f.location();
      const badCode = await stripeError(
        stripe.terminal.readers.create({ registration_code: 'puppies-plug-could', location: location.id }),
      );
      assert.equal(badCode.type, 'StripeInvalidRequestError');
      assert.equal(badCode.statusCode, 400);
      assert.equal(badCode.param, 'registration_code');
      const noLocation = await stripeError(stripe.terminal.readers.create({ registration_code: 'simulated-wpe' }));
      assert.equal(noLocation.code, 'parameter_missing');
      assert.equal(noLocation.param, 'location');
      const unknownLocation = await stripeError(
        stripe.terminal.readers.create({ registration_code: 'simulated-wpe', location: 'tml_nope' }),
      );
      assert.equal(unknownLocation.code, 'resource_missing');
      assert.equal(unknownLocation.statusCode, 404);
      const missing = await stripeError(stripe.terminal.readers.retrieve('tmr_nope'));
      assert.equal(missing.code, 'resource_missing');
      assert.equal(missing.message, "No such terminal.reader: 'tmr_nope'");
      const badFilter = await stripeError(stripe.terminal.readers.list({ status: 'sleeping' as 'online' }));
      assert.equal(badFilter.statusCode, 400);
      const unknownAction = await stripeError(
        stripe.terminal.readers.processPaymentIntent('tmr_nope', { payment_intent: 'pi_x' }),
      );
      assert.equal(unknownAction.code, 'resource_missing');
    });
  });
}
