/**
 * A point of sale written against @stripe/stripe-terminal-react-native's published types. The CI
 * check (src/compat.test.ts) compiles it twice: `stripe-terminal` resolved to React Native's
 * vendored types, then to `@opentill/terminal-sdk/react` — the import swap is the only change.
 */
import {
  CollectDataType, ErrorCode, FormType, useStripeTerminal, type PaymentIntent, type Reader, type SetupIntent, type StripeError,
} from 'stripe-terminal';

type Terminal = ReturnType<typeof useStripeTerminal>;

export function hook(): Terminal {
  return useStripeTerminal({
    onUpdateDiscoveredReaders: (readers: Reader.Type[]) => console.log(readers.map((r) => `${r.deviceType} ${r.serialNumber} ${r.batteryLevel ?? ''}`)),
    onFinishDiscoveringReaders: (error?: StripeError) => { if (error) console.log(error.code); },
    onDidReportAvailableUpdate: (update: Reader.SoftwareUpdate) => console.log(update.deviceSoftwareVersion, update.estimatedUpdateTime),
    onDidStartInstallingUpdate: (update: Reader.SoftwareUpdate) => console.log(update.requiredAt),
    onDidReportReaderSoftwareUpdateProgress: (progress: string) => console.log(Number(progress)),
    onDidFinishInstallingUpdate: ({ update, error }) => console.log(update?.deviceSoftwareVersion, error?.message),
    onDidRequestReaderInput: (options: Reader.InputOptions[]) => console.log(options.join(',')),
    onDidRequestReaderDisplayMessage: (message: Reader.DisplayMessage) => console.log(message),
    onDidChangeConnectionStatus: (status: Reader.ConnectionStatus) => console.log(status),
    onDidChangePaymentStatus: (status) => console.log(status),
    onDidStartReaderReconnect: (reader: Reader.Type, reason?: Reader.DisconnectReason) => console.log(reader.id, reason),
    onDidSucceedReaderReconnect: (reader: Reader.Type) => console.log(reader.id),
    onDidFailReaderReconnect: (reader: Reader.Type) => console.log(reader.id),
    onDidDisconnect: (reason?: Reader.DisconnectReason) => console.log(reason),
    onDidUpdateBatteryLevel: (result: Reader.BatteryLevel) => console.log(result.batteryLevel, result.batteryStatus, result.isCharging),
    onDidReportLowBatteryWarning: () => console.log('low battery'),
    onDidReportReaderEvent: (event) => console.log(event),
    onDidAcceptTermsOfService: () => console.log('tos'),
  });
}

function fail(error: StripeError): never {
  throw new Error(`${error.code} (${error.nativeErrorCode}): ${error.message} ${error.apiError?.declineCode ?? ''}`);
}

export async function connectBluetooth(terminal: Terminal, locationId: string): Promise<Reader.Type> {
  const { error: initError } = await terminal.initialize();
  if (initError) fail(initError);
  const { error } = await terminal.discoverReaders({ discoveryMethod: 'bluetoothScan', simulated: true });
  if (error) fail(error);
  const [reader] = terminal.discoveredReaders;
  if (!reader) throw new Error('no reader');
  const connected = await terminal.connectReader({ discoveryMethod: 'bluetoothScan', reader, locationId,
    autoReconnectOnUnexpectedDisconnect: true });
  if (connected.error) fail(connected.error);
  if (connected.reader.availableUpdate) {
    const installed = await terminal.installAvailableUpdate();
    if (installed.error?.code === ErrorCode.READER_SOFTWARE_UPDATE_FAILED_BATTERY_LOW) console.log('charge the reader');
  }
  return connected.reader;
}

export async function connectInternet(terminal: Terminal, locationId: string): Promise<Reader.Type | undefined> {
  const { reader, error } = await terminal.easyConnect({ discoveryMethod: 'internet', simulated: true, locationId, failIfInUse: false });
  if (error) fail(error);
  return reader;
}

export async function sell(terminal: Terminal, amount: number): Promise<PaymentIntent.Type> {
  await terminal.setReaderDisplay({ currency: 'usd', tax: 0, total: amount, lineItems: [{ displayName: 'Coffee', quantity: 1, amount }] });
  const { paymentIntent, error } = await terminal.createPaymentIntent({ amount, currency: 'usd', paymentMethodTypes: ['card_present'],
    captureMethod: 'automatic' });
  if (error) fail(error);
  const collected = await terminal.collectPaymentMethod({ paymentIntent, skipTipping: true, updatePaymentIntent: true,
    customerCancellation: 'enableIfAvailable' });
  if (collected.error) {
    if (collected.error.code === ErrorCode.CANCELED) await terminal.cancelPaymentIntent({ paymentIntent });
    fail(collected.error);
  }
  const confirmed = await terminal.confirmPaymentIntent({ paymentIntent: collected.paymentIntent });
  if (confirmed.error) fail(confirmed.error);
  const status: PaymentIntent.Status | undefined = confirmed.paymentIntent.status;
  console.log(status, confirmed.paymentIntent.created, confirmed.paymentIntent.paymentMethod?.cardPresentDetails.last4);
  await terminal.clearReaderDisplay();
  const processed = await terminal.processPaymentIntent({ paymentIntent, returnUrl: 'https://example.com' });
  console.log(processed.paymentIntent?.id);
  await terminal.cancelCollectPaymentMethod();
  await terminal.cancelConfirmPaymentIntent();
  await terminal.cancelProcessPaymentIntent();
  const again = await terminal.retrievePaymentIntent(paymentIntent.clientSecret ?? '');
  return again.paymentIntent ?? confirmed.paymentIntent;
}

export async function saveCard(terminal: Terminal, customer: string): Promise<SetupIntent.Type | undefined> {
  const { setupIntent, error } = await terminal.createSetupIntent({ customer });
  if (error) fail(error);
  const retrieved = await terminal.retrieveSetupIntent(setupIntent.clientSecret ?? '');
  const collected = await terminal.collectSetupIntentPaymentMethod({ setupIntent: retrieved.setupIntent ?? setupIntent,
    allowRedisplay: 'always', customerCancellation: 'enableIfAvailable' });
  if (collected.error) {
    await terminal.cancelCollectSetupIntent();
    await terminal.cancelSetupIntent({ setupIntent });
    return undefined;
  }
  const confirmed = await terminal.confirmSetupIntent({ setupIntent: collected.setupIntent });
  await terminal.cancelConfirmSetupIntent();
  const processed = await terminal.processSetupIntent({ setupIntent, allowRedisplay: 'limited' });
  await terminal.cancelProcessSetupIntent();
  return confirmed.setupIntent ?? processed.setupIntent;
}

export async function refund(terminal: Terminal, chargeId: string): Promise<string | undefined> {
  const { refund: done, error } = await terminal.processRefund({ chargeId, amount: 100, currency: 'usd', refundApplicationFee: false });
  if (error) await terminal.cancelProcessRefund();
  const byIntent = await terminal.processRefund({ paymentIntentId: 'pi_1', clientSecret: 'pi_1_secret_x', amount: 100, currency: 'usd' });
  return done?.status ?? byIntent.refund?.id;
}

export async function everythingElse(terminal: Terminal): Promise<void> {
  const { locations, hasMore } = await terminal.getLocations({ limit: 10 });
  console.log(locations?.map((l) => `${l.id} ${l.displayName ?? ''} ${l.address?.country ?? ''}`), hasMore);
  const inputs = await terminal.collectInputs({ inputs: [{ formType: FormType.EMAIL, title: 'Email', required: true }] });
  console.log(inputs.collectInputResults?.map((r) => `${r.formType} ${r.skipped}`));
  await terminal.cancelCollectInputs();
  const data = await terminal.collectData({ collectDataType: CollectDataType.NFC_UID, customerCancellation: 'enableIfAvailable' });
  console.log(data.collectedData?.nfcUid, data.error?.code);
  await terminal.cancelCollectData();
  const settings = await terminal.getReaderSettings();
  console.log(settings.accessibility?.textToSpeechStatus);
  await terminal.setReaderSettings({ textToSpeechViaSpeakers: true });
  await terminal.print('data:image/png;base64,iVBORw0KGgo=');
  await terminal.simulateReaderUpdate('required');
  await terminal.setSimulatedCard('4242424242424242');
  await terminal.setSimulatedCollectInputsResult('all');
  await terminal.cancelInstallingUpdate();
  await terminal.cancelReaderReconnection();
  await terminal.cancelDiscovering();
  await terminal.cancelEasyConnect();
  const support = await terminal.supportsReadersOfType({ deviceType: 'stripeM2', discoveryMethod: 'bluetoothScan', simulated: true });
  console.log(support.readerSupportResult);
  await terminal.setTapToPayUxConfiguration({ colors: { primary: '#635BFF' } });
  const status: Reader.ConnectionStatus = await terminal.getConnectionStatus();
  console.log(status, await terminal.getPaymentStatus(), (await terminal.getConnectedReader())?.id, await terminal.getNativeSdkVersion());
  await terminal.rebootReader();
  const disconnected = await terminal.disconnectReader();
  console.log(disconnected?.error?.message, terminal.isInitialized, terminal.loading, terminal.connectedReader?.id, terminal.getIsInitialized());
  await terminal.clearCachedCredentials();
}
