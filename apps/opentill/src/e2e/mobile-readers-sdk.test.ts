/**
 * The mobile SDK's readers besides Tap to Pay (docs/tap-to-pay-sdk.md, "Every reader kind"):
 * Bluetooth, USB and internet discovery and connection, software updates, battery, reboot and
 * automatic reconnection of simulated Bluetooth readers, against a real server; payments checked
 * through stripe-node.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ErrorCode,
  updateSteps,
  type Reader,
  type SoftwareUpdate,
  type UpdateSoftwareResultType,
} from '@opentill/terminal-sdk/mobile';
import { errorOf, paid, tapToPayFixture, type Phone, type TapToPayFixture } from './tap-to-pay-sdk-fixture.js';

let f: TapToPayFixture;
before(async () => {
  f = await tapToPayFixture('mobile-readers');
});
after(async () => {
  await f.stop();
});

interface ReaderEvents {
  battery: Array<{ batteryLevel: number; batteryStatus: string }>;
  lowBattery: number;
  available: SoftwareUpdate[];
  started: SoftwareUpdate[];
  progress: string[];
  finished: UpdateSoftwareResultType[];
}

/** A phone with a record of the reader callbacks the Tap to Pay fixture does not record. */
function phoneWithReaderEvents(): { phone: Phone; reader: ReaderEvents } {
  const reader: ReaderEvents = { battery: [], lowBattery: 0, available: [], started: [], progress: [], finished: [] };
  const phone = f.phone({ options: { reconnect: { attempts: 3, intervalMs: 10 } } });
  // The fixture's callbacks object is the SDK's: the reader callbacks are added to it.
  const callbacks = (phone.terminal as unknown as { callbacks: Record<string, unknown> }).callbacks;
  callbacks['onDidUpdateBatteryLevel'] = (level: { batteryLevel: number; batteryStatus: string }) =>
    reader.battery.push(level);
  callbacks['onDidReportLowBatteryWarning'] = () => {
    reader.lowBattery += 1;
  };
  callbacks['onDidReportAvailableUpdate'] = (update: SoftwareUpdate) => reader.available.push(update);
  callbacks['onDidStartInstallingUpdate'] = (update: SoftwareUpdate) => reader.started.push(update);
  callbacks['onDidReportReaderSoftwareUpdateProgress'] = (progress: string) => reader.progress.push(progress);
  callbacks['onDidFinishInstallingUpdate'] = (result: UpdateSoftwareResultType) => reader.finished.push(result);
  phone.terminal.setSimulatedUpdateStepMs(0);
  return { phone, reader };
}

async function bluetooth(
  phone: Phone,
  method: 'bluetoothScan' | 'bluetoothProximity' | 'usb' = 'bluetoothScan',
  pick: (readers: Reader[]) => Reader = (readers) => readers[0]!,
  autoReconnect = true,
): Promise<Reader> {
  if (!phone.terminal.isInitialized) assert.deepEqual(await phone.terminal.initialize(), {});
  assert.deepEqual(await phone.terminal.discoverReaders({ discoveryMethod: method, simulated: true }), {});
  const location = await f.location();
  const connected = await phone.terminal.connectReader({
    discoveryMethod: method,
    reader: pick(phone.terminal.discoveredReaders),
    locationId: location.id,
    autoReconnectOnUnexpectedDisconnect: autoReconnect,
  });
  assert.equal(connected.error, undefined, JSON.stringify(connected.error));
  return connected.reader!;
}

describe('discovery of every reader kind', () => {
  test('bluetoothScan finds the M2, Chipper 2X and WisePad 3 with battery and firmware; proximity the one held close; USB adds the S700', async () => {
    const { phone } = phoneWithReaderEvents();
    await phone.terminal.initialize();
    assert.deepEqual(await phone.terminal.discoverReaders({ discoveryMethod: 'bluetoothScan', simulated: true }), {});
    const scanned = phone.terminal.discoveredReaders;
    assert.deepEqual(
      scanned.map((r) => r.deviceType),
      ['stripeM2', 'chipper2X', 'wisePad3'],
    );
    for (const reader of scanned) {
      assert.equal(reader.simulated, true);
      assert.equal(reader.batteryStatus, 'nominal');
      assert.equal(typeof reader.batteryLevel, 'number');
      assert.match(reader.deviceSoftwareVersion ?? '', /\d+\.\d+/);
      assert.equal(reader.locationStatus, 'notSet');
    }
    assert.deepEqual(
      phone.events.discovered.at(-1)?.map((r) => r.serialNumber),
      scanned.map((r) => r.serialNumber),
    );
    assert.equal(phone.events.finishedDiscovering.at(-1), undefined);

    await phone.terminal.discoverReaders({ discoveryMethod: 'bluetoothProximity', simulated: true });
    assert.deepEqual(
      phone.terminal.discoveredReaders.map((r) => r.deviceType),
      ['stripeM2'],
    );
    await phone.terminal.discoverReaders({ discoveryMethod: 'usb', simulated: true });
    assert.deepEqual(
      phone.terminal.discoveredReaders.map((r) => r.deviceType),
      ['stripeM2', 'chipper2X', 'wisePad3', 'stripeS700'],
    );
    assert.deepEqual(phone.events.connection, [
      'discovering',
      'notConnected',
      'discovering',
      'notConnected',
      'discovering',
      'notConnected',
    ]);

    // No real Bluetooth or USB reader exists beside OpenTill: a scan without `simulated` finds nothing.
    const real = await phone.terminal.discoverReaders({ discoveryMethod: 'bluetoothScan' });
    assert.equal(errorOf(real).code, ErrorCode.BLUETOOTH_SCAN_TIMED_OUT);
    assert.equal(phone.events.finishedDiscovering.at(-1)?.code, ErrorCode.BLUETOOTH_SCAN_TIMED_OUT);
    assert.equal(
      errorOf(await phone.terminal.discoverReaders({ discoveryMethod: 'usb', simulated: false })).code,
      ErrorCode.USB_DISCOVERY_TIMED_OUT,
    );
  });

  test("internet discovery finds the server's smart readers, filtered by reader id; appsOnDevices is refused", async () => {
    const { phone } = phoneWithReaderEvents();
    await phone.terminal.initialize();
    const location = await f.location();
    assert.deepEqual(
      await phone.terminal.discoverReaders({ discoveryMethod: 'internet', simulated: true, locationId: location.id }),
      {},
    );
    const found = phone.terminal.discoveredReaders;
    assert.ok(found.length >= 1);
    assert.equal(found[0]!.deviceType, 'wisePosE');
    assert.match(found[0]!.id, /^tmr_/);
    await phone.terminal.discoverReaders({
      discoveryMethod: 'internet',
      simulated: true,
      locationId: location.id,
      discoveryFilter: { readerId: 'tmr_nope' },
    });
    assert.deepEqual(phone.terminal.discoveredReaders, []);
    const refused = await phone.terminal.discoverReaders({ discoveryMethod: 'appsOnDevices' });
    assert.equal(errorOf(refused).code, ErrorCode.UNSUPPORTED_OPERATION);
  });
});

describe('simulated Bluetooth readers', () => {
  test('connect: locationId required, only a discovered reader, battery reported, one reader at a time, payment through the server', async () => {
    const { phone, reader: events } = phoneWithReaderEvents();
    await phone.terminal.initialize();
    await phone.terminal.discoverReaders({ discoveryMethod: 'bluetoothScan', simulated: true });
    const m2 = phone.terminal.discoveredReaders[0]!;
    const missing = await phone.terminal.connectReader({
      discoveryMethod: 'bluetoothScan',
      reader: m2,
      locationId: '',
    });
    assert.equal(errorOf(missing).code, ErrorCode.MISSING_REQUIRED_PARAMETER);
    const stranger = await phone.terminal.connectReader({
      discoveryMethod: 'bluetoothScan',
      reader: { ...m2, serialNumber: 'NOPE' },
      locationId: (await f.location()).id,
    });
    assert.equal(errorOf(stranger).code, ErrorCode.INVALID_REQUIRED_PARAMETER);

    const connected = await bluetooth(phone);
    assert.equal(connected.deviceType, 'stripeM2');
    assert.equal(connected.locationStatus, 'set');
    assert.match(connected.id, /^tmr_/);
    assert.deepEqual(
      events.battery.map((b) => b.batteryStatus),
      ['nominal'],
    );
    assert.equal(phone.terminal.getConnectionStatus(), 'connected');
    assert.equal(phone.terminal.getConnectedReader()?.serialNumber, m2.serialNumber);

    const again = await phone.terminal.connectReader({
      discoveryMethod: 'bluetoothScan',
      reader: m2,
      locationId: (await f.location()).id,
    });
    assert.equal(errorOf(again).code, ErrorCode.ALREADY_CONNECTED_TO_READER);

    const intent = await phone.paymentIntent(1250, 'usd');
    const processed = paid(await phone.terminal.processPaymentIntent({ paymentIntent: intent }));
    assert.equal(processed.status, 'succeeded');
    const { charge } = await f.charged(processed.id);
    assert.equal(charge.amount, 1250);
    assert.equal(charge.payment_method_details?.type, 'card_present');

    // Low battery: the level, its status and the warning.
    phone.terminal.setSimulatedBatteryLevel(0.1);
    assert.deepEqual(events.battery.at(-1), { batteryLevel: 0.1, batteryStatus: 'low', isCharging: false });
    assert.equal(events.lowBattery, 1);
    assert.equal(phone.terminal.getConnectedReader()?.batteryStatus, 'low');

    assert.deepEqual(await phone.terminal.disconnectReader(), {});
    assert.deepEqual(phone.events.disconnects.at(-1), 'disconnectRequested');
    assert.equal(phone.terminal.getConnectedReader(), null);
  });

  test('software updates: optional (reported, installed with progress, cancelable), required at connection, low battery, interrupted', async () => {
    const { phone, reader: events } = phoneWithReaderEvents();
    await phone.terminal.initialize();
    assert.deepEqual(await phone.terminal.simulateReaderUpdate('available'), {});
    const connected = await bluetooth(phone);
    assert.ok(connected.availableUpdate, 'the reader offers its update');
    assert.equal(events.available.length, 1);
    const before = connected.deviceSoftwareVersion!;

    // Canceled before its end: nothing changes.
    phone.terminal.setSimulatedUpdateStepMs(20);
    const installing = phone.terminal.installAvailableUpdate();
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(await phone.terminal.cancelInstallingUpdate(), {});
    assert.equal(errorOf(await installing).code, ErrorCode.CANCELED);
    assert.equal(phone.terminal.getConnectedReader()?.deviceSoftwareVersion, before);
    assert.equal(errorOf(await phone.terminal.cancelInstallingUpdate()).code, ErrorCode.CANCEL_FAILED);

    phone.terminal.setSimulatedUpdateStepMs(0);
    events.progress.length = 0;
    assert.deepEqual(await phone.terminal.installAvailableUpdate(), {});
    assert.deepEqual(
      events.progress,
      Array.from({ length: updateSteps + 1 }, (_v, i) => String(i / updateSteps)),
    );
    assert.equal(events.finished.at(-1)?.error, undefined);
    assert.equal(
      phone.terminal.getConnectedReader()?.deviceSoftwareVersion,
      connected.availableUpdate.deviceSoftwareVersion,
    );
    assert.equal(phone.terminal.getConnectedReader()?.firmwareVersion, connected.availableUpdate.deviceSoftwareVersion);
    assert.equal(phone.terminal.getConnectedReader()?.availableUpdate, undefined);
    assert.equal(errorOf(await phone.terminal.installAvailableUpdate()).code, ErrorCode.UNEXPECTED_OPERATION);

    // Interrupted by a disconnect (another reader, still on its old firmware).
    await phone.terminal.disconnectReader();
    await phone.terminal.simulateReaderUpdate('available');
    await bluetooth(phone, 'bluetoothScan', (readers) => readers[1]!);
    phone.terminal.setSimulatedUpdateStepMs(20);
    const interrupted = phone.terminal.installAvailableUpdate();
    await new Promise((resolve) => setImmediate(resolve));
    await phone.terminal.disconnectReader();
    assert.equal(errorOf(await interrupted).code, ErrorCode.READER_SOFTWARE_UPDATE_FAILED_INTERRUPTED);

    // Required: installed during the connection.
    phone.terminal.setSimulatedUpdateStepMs(0);
    await phone.terminal.simulateReaderUpdate('required');
    events.started.length = 0;
    const updated = await bluetooth(phone, 'bluetoothScan', (readers) => readers[1]!);
    assert.equal(events.started.length, 1);
    assert.match(updated.deviceSoftwareVersion ?? '', /-updated$/);
    await phone.terminal.disconnectReader();

    // Required with a low battery: the connection fails.
    await phone.terminal.simulateReaderUpdate('lowBattery');
    await phone.terminal.discoverReaders({ discoveryMethod: 'bluetoothScan', simulated: true });
    const lowBattery = await phone.terminal.connectReader({
      discoveryMethod: 'bluetoothScan',
      reader: phone.terminal.discoveredReaders[2]!,
      locationId: (await f.location()).id,
    });
    assert.equal(errorOf(lowBattery).code, ErrorCode.READER_SOFTWARE_UPDATE_FAILED_BATTERY_LOW);
    assert.equal(phone.terminal.getConnectionStatus(), 'notConnected');
    assert.equal(
      errorOf(await phone.terminal.simulateReaderUpdate('bogus' as 'none')).code,
      ErrorCode.INVALID_REQUIRED_PARAMETER,
    );
  });

  test('rebootReader disconnects a Bluetooth reader (rebootRequested); without a reader, NOT_CONNECTED_TO_READER', async () => {
    const { phone } = phoneWithReaderEvents();
    await phone.terminal.initialize();
    assert.equal(errorOf(await phone.terminal.rebootReader()).code, ErrorCode.NOT_CONNECTED_TO_READER);
    await bluetooth(phone, 'usb');
    assert.deepEqual(await phone.terminal.rebootReader(), {});
    assert.equal(phone.events.disconnects.at(-1), 'rebootRequested');
    assert.equal(phone.terminal.getConnectionStatus(), 'notConnected');
  });

  test('automatic reconnection after a lost link: start, succeed; without auto-reconnect a disconnect; canceled: fail', async () => {
    const { phone } = phoneWithReaderEvents();
    await phone.terminal.initialize();
    const reader = await bluetooth(phone);
    assert.deepEqual(phone.terminal.simulateUnexpectedDisconnect(), {});
    assert.equal(phone.events.reconnectStarted.at(-1)?.reason, 'bluetoothSignalLost');
    assert.equal(phone.events.reconnectStarted.at(-1)?.reader.serialNumber, reader.serialNumber);
    await phone.until((events) => events.reconnectSucceeded.length === 1);
    assert.equal(phone.terminal.getConnectionStatus(), 'connected');
    const intent = await phone.paymentIntent(300, 'usd');
    assert.equal(paid(await phone.terminal.processPaymentIntent({ paymentIntent: intent })).status, 'succeeded');

    // Canceled while reconnecting.
    phone.terminal.simulateUnexpectedDisconnect();
    assert.deepEqual(await phone.terminal.cancelReaderReconnection(), {});
    await phone.until((events) => events.reconnectFailed.length === 1);
    assert.equal(phone.terminal.getConnectionStatus(), 'notConnected');
    assert.equal(errorOf(await phone.terminal.cancelReaderReconnection()).code, ErrorCode.CANCEL_FAILED);

    // Without automatic reconnection: a disconnect at once.
    await bluetooth(phone, 'bluetoothScan', (readers) => readers[0]!, false);
    const disconnects = phone.events.disconnects.length;
    phone.terminal.simulateUnexpectedDisconnect();
    assert.equal(phone.events.disconnects.length, disconnects + 1);
    assert.equal(phone.events.disconnects.at(-1), 'bluetoothSignalLost');
    assert.equal(errorOf(phone.terminal.simulateUnexpectedDisconnect()).code, ErrorCode.NOT_CONNECTED_TO_READER);
  });
});
