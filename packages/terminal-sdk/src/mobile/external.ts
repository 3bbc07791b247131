/**
 * The mobile SDK's readers other than the phone itself (docs/tap-to-pay-sdk.md, "Every reader
 * kind"): simulated Bluetooth/USB readers (mobile-readers.ts), whose device runs beside the SDK
 * (sdk-device.ts), and the server's smart readers. Both are driven through the server's reader
 * actions (server-readers.ts). Holds their connection, software updates, battery, automatic
 * reconnection and the long operations React Native offers on them.
 */
import type { SdkTransport } from '../transport.js';
import type { Json, TransportResult } from '../transport.js';
import type { Reader as ApiReader } from '../types.js';
import { ErrorCode, fromFailure, stripeError } from './errors.js';
import type { IntentHandles } from './intents.js';
import { batteryStatusOf, isMobileDiscovery, modelOf, updateFor } from './mobile-readers.js';
import type { OperationSlot } from './operation.js';
import type { SimulateUpdateType, SoftwareUpdate } from './rn-types.js';
import { SdkReaderDevice, type SimulatedInputsBehavior, type SimulatedReadMethod } from './sdk-device.js';
import { serverReaderFrom, type ServerReaders } from './server-readers.js';
import type {
  Cancelable,
  CollectPaymentMethodParams,
  ConfirmPaymentIntentParams,
  ConnectInternetReaderParams,
  ConnectMobileReaderParams,
  ConnectionStatus,
  DisconnectReason,
  ErrorResult,
  PaymentIntentResult,
  PaymentStatus,
  ProcessPaymentIntentParams,
  Reader,
  ReaderResult,
  StripeError,
  UserCallbacks,
} from './types.js';

export interface ExternalConnection {
  params: ConnectMobileReaderParams | ConnectInternetReaderParams;
  reader: Reader;
  mobile: boolean;
}

export interface ExternalHost {
  server: ServerReaders;
  transport: SdkTransport;
  intents: IntentHandles;
  slot: OperationSlot;
  emit<K extends keyof UserCallbacks>(name: K, ...args: Parameters<NonNullable<UserCallbacks[K]>>): void;
  setConnectionStatus(status: ConnectionStatus): void;
  setPaymentStatus(status: PaymentStatus): void;
  reconnect: { attempts?: number; intervalMs?: number };
  /** The card `setSimulatedCard` chose (the simulated customer presents it to Bluetooth/USB readers too). */
  simulatedCard(): string | null;
}

/** Steps of a simulated software update (progress reported after each). */
export const updateSteps = 4;

const done = <T>(value: T): Cancelable<T> =>
  Object.assign(Promise.resolve(value), {
    cancel: async () => ({ error: stripeError(ErrorCode.CANCEL_FAILED, 'The operation has already completed.') }),
  });

export class ExternalReaders {
  connection: ExternalConnection | null = null;
  reconnecting = false;
  private reconnectCanceled = false;
  private simulatedUpdate: SimulateUpdateType = 'none';
  private battery = 0.8;
  private installing: { canceled: boolean; interrupted: boolean } | null = null;
  /** Milliseconds between update progress reports (OpenTill option; tests use 0). */
  updateStepMs = 50;
  /** The device of the connected Bluetooth/USB reader, running beside the SDK. */
  device: SdkReaderDevice | null = null;
  /** How the simulated customer presents cards to Bluetooth/USB readers (OpenTill: `setSimulatedReadMethod`). */
  readMethod: SimulatedReadMethod = 'contact_emv';
  /** How the simulated customer answers collectInputs on a USB S700 (React Native's `setSimulatedCollectInputsResult`). */
  inputsBehavior: SimulatedInputsBehavior = 'none';

  constructor(private readonly host: ExternalHost) {}

  /** `simulateReaderUpdate`: what the next connection (or the connected reader) offers. */
  simulateUpdate(kind: SimulateUpdateType): void {
    this.simulatedUpdate = kind === 'random' ? 'available' : kind;
    const connection = this.connection;
    if (connection?.mobile) {
      const update = updateFor(this.simulatedUpdate, connection.reader.deviceSoftwareVersion ?? '', Date.now());
      connection.reader = { ...connection.reader, ...(update ? { availableUpdate: update } : {}) };
      if (!update) delete connection.reader.availableUpdate;
      if (update) this.host.emit('onDidReportAvailableUpdate', update);
    }
  }

  /** `setSimulatedBatteryLevel` (OpenTill): the battery of simulated Bluetooth readers, 0–1. */
  setBattery(level: number): void {
    this.battery = Math.min(1, Math.max(0, level));
    const connection = this.connection;
    if (connection?.mobile) {
      connection.reader = {
        ...connection.reader,
        batteryLevel: this.battery,
        batteryStatus: batteryStatusOf(this.battery),
      };
      this.host.emit('onDidUpdateBatteryLevel', {
        batteryLevel: this.battery,
        batteryStatus: batteryStatusOf(this.battery),
        isCharging: false,
      });
      if (this.battery < 0.2) this.host.emit('onDidReportLowBatteryWarning');
    }
  }

  async connect(
    params: ExternalConnection['params'],
    discovered: Reader[],
    internet: Map<string, ApiReader>,
  ): Promise<ReaderResult> {
    const chosen = params.reader;
    if (!chosen || !discovered.some((reader) => reader.serialNumber === chosen.serialNumber)) {
      return {
        error: stripeError(
          ErrorCode.INVALID_REQUIRED_PARAMETER,
          `Could not find a reader with serialNumber ${String(chosen?.serialNumber)}: connect a reader discoverReaders found.`,
        ),
      };
    }
    const mobile = isMobileDiscovery(params.discoveryMethod);
    if (mobile ? chosen.deviceType === 'tapToPay' : !internet.has(chosen.id)) {
      return {
        error: stripeError(
          ErrorCode.INVALID_REQUIRED_PARAMETER,
          `Reader ${chosen.serialNumber} was not found by a ${params.discoveryMethod} discovery: discover it that way first.`,
        ),
      };
    }
    if (
      mobile &&
      (typeof (params as ConnectMobileReaderParams).locationId !== 'string' ||
        (params as ConnectMobileReaderParams).locationId === '')
    ) {
      return {
        error: stripeError(
          ErrorCode.MISSING_REQUIRED_PARAMETER,
          'You must provide a locationId to connect a Bluetooth or USB reader.',
        ),
      };
    }
    this.host.setConnectionStatus('connecting');
    const connected = await this.attach(params, chosen, internet);
    if ('error' in connected) {
      this.host.setConnectionStatus('notConnected');
      return { error: connected.error };
    }
    let reader = connected.reader;
    if (mobile) {
      const update = updateFor(this.simulatedUpdate, reader.deviceSoftwareVersion ?? '', Date.now());
      if (update?.requiredAt && Date.parse(update.requiredAt) <= Date.now()) {
        if (this.simulatedUpdate === 'lowBattery') {
          await this.detach();
          this.host.setConnectionStatus('notConnected');
          return {
            error: stripeError(
              ErrorCode.READER_SOFTWARE_UPDATE_FAILED_BATTERY_LOW,
              'The required update could not be installed: the reader battery is too low. Charge it and connect again.',
            ),
          };
        }
        // A required update is installed during the connection, as on a real Bluetooth reader.
        this.connection = { params, reader, mobile };
        const installed = await this.install(update);
        if (installed.error) {
          this.connection = null;
          await this.detach();
          this.host.setConnectionStatus('notConnected');
          return { error: installed.error };
        }
        reader = this.connection.reader;
      } else if (update) {
        reader = { ...reader, availableUpdate: update };
      }
    }
    this.connection = { params, reader, mobile };
    this.host.setConnectionStatus('connected');
    this.host.setPaymentStatus('ready');
    if (mobile) {
      this.host.emit('onDidUpdateBatteryLevel', {
        batteryLevel: this.battery,
        batteryStatus: batteryStatusOf(this.battery),
        isCharging: false,
      });
      if (this.battery < 0.2) this.host.emit('onDidReportLowBatteryWarning');
      if (reader.availableUpdate) this.host.emit('onDidReportAvailableUpdate', reader.availableUpdate);
    }
    return { reader };
  }

  /** Connects the server side: the smart reader itself, or the simulated reader at the Location that reads this Bluetooth reader's cards. */
  private async attach(
    params: ExternalConnection['params'],
    chosen: Reader,
    internet: Map<string, ApiReader>,
  ): Promise<{ reader: Reader } | { error: StripeError }> {
    if (params.discoveryMethod === 'internet') {
      const api = internet.get(chosen.id);
      if (!api)
        return {
          error: stripeError(
            ErrorCode.INVALID_REQUIRED_PARAMETER,
            `Reader ${chosen.id} was not found by the last discovery.`,
          ),
        };
      const connected = await this.host.server.connect(api, params.failIfInUse === true);
      if ('error' in connected) return connected;
      return { reader: serverReaderFrom(connected.reader, chosen.simulated === true) };
    }
    const locationId = params.locationId;
    const model = modelOf(chosen.deviceType);
    if (!model)
      return {
        error: stripeError(
          ErrorCode.INVALID_REQUIRED_PARAMETER,
          `${chosen.deviceType} is not a Bluetooth or USB reader.`,
        ),
      };
    // The reader is registered at the Location as itself; this SDK's session hosts its device.
    const registered = await this.host.transport.request<{ reader: ApiReader }>('POST', '/devices', {
      location: locationId,
      device_type: model.wireType,
      serial_number: chosen.serialNumber,
      label: model.label,
      device_sw_version: chosen.deviceSoftwareVersion ?? model.firmware,
      simulated: chosen.simulated === true,
    });
    if (!registered.ok) return { error: fromFailure(registered) };
    const connected = await this.host.server.connect(registered.data.reader, false);
    if ('error' in connected) return connected;
    await this.device?.stop();
    this.device = new SdkReaderDevice(
      {
        transport: this.host.transport,
        emit: (name, ...args) => this.host.emit(name, ...args),
        simulatedCard: () => this.host.simulatedCard(),
        readMethod: () => this.readMethod,
        inputsBehavior: () => this.inputsBehavior,
      },
      connected.reader.id,
      model.personality,
    );
    this.device.start();
    return {
      reader: {
        ...chosen,
        id: connected.reader.id,
        locationId,
        locationStatus: 'set',
        batteryLevel: this.battery,
        batteryStatus: batteryStatusOf(this.battery),
        isCharging: 0,
        apiObject: connected.reader as unknown as Record<string, unknown>,
      },
    };
  }

  /** After the SDK session was renewed: the new session hosts the device (registered again, same reader). */
  async hostAgain(secret: string): Promise<TransportResult<unknown> | null> {
    const connection = this.connection;
    if (!connection?.mobile) return null;
    const params = connection.params as ConnectMobileReaderParams;
    const model = modelOf(connection.reader.deviceType);
    return this.host.transport.raw(
      'POST',
      '/devices',
      {
        location: params.locationId,
        device_type: model?.wireType ?? '',
        serial_number: connection.reader.serialNumber,
        label: model?.label ?? connection.reader.serialNumber,
        device_sw_version: connection.reader.deviceSoftwareVersion ?? '',
        simulated: connection.reader.simulated === true,
      },
      secret,
    );
  }

  /** The server side lets go of the reader; the device beside the SDK stops. */
  private async detach(): Promise<void> {
    const device = this.device;
    this.device = null;
    await Promise.all([device?.stop(), this.host.server.disconnect()]);
  }

  async disconnect(reason: DisconnectReason): Promise<ErrorResult> {
    if (this.installing) this.installing.interrupted = true;
    this.reconnectCanceled = true;
    this.reconnecting = false;
    this.connection = null;
    await this.detach();
    this.host.setConnectionStatus('notConnected');
    this.host.setPaymentStatus('notReady');
    this.host.emit('onDidDisconnect', reason);
    return {};
  }

  /** `rebootReader`: Bluetooth and USB readers restart (and disconnect); smart readers and phones cannot be rebooted from the SDK. */
  async reboot(): Promise<ErrorResult> {
    const connection = this.connection;
    if (!connection) return { error: stripeError(ErrorCode.NOT_CONNECTED_TO_READER, 'No reader is connected.') };
    if (!connection.mobile) {
      return {
        error: stripeError(
          ErrorCode.UNSUPPORTED_OPERATION,
          'rebootReader is only supported on Bluetooth and USB readers.',
        ),
      };
    }
    return this.disconnect('rebootRequested');
  }

  /** The reader went away (server side, or simulateUnexpectedDisconnect): automatic reconnection, or a disconnect. */
  lost(): void {
    const connection = this.connection;
    if (!connection || this.reconnecting) return;
    if (this.installing) this.installing.interrupted = true;
    const reason: DisconnectReason =
      connection.params.discoveryMethod === 'usb'
        ? 'usbDisconnected'
        : connection.mobile
          ? 'bluetoothSignalLost'
          : 'unknown';
    const auto =
      connection.mobile &&
      (connection.params as ConnectMobileReaderParams).autoReconnectOnUnexpectedDisconnect !== false;
    this.connection = null;
    this.host.setPaymentStatus('notReady');
    if (!auto) {
      void this.detach();
      this.host.setConnectionStatus('notConnected');
      this.host.emit('onDidDisconnect', reason);
      return;
    }
    this.reconnecting = true;
    this.reconnectCanceled = false;
    this.host.setConnectionStatus('reconnecting');
    this.host.emit('onDidStartReaderReconnect', connection.reader, reason);
    void this.reconnect(connection, reason);
  }

  private async reconnect(connection: ExternalConnection, reason: DisconnectReason): Promise<void> {
    const attempts = this.host.reconnect.attempts ?? 10;
    const intervalMs = this.host.reconnect.intervalMs ?? 2000;
    await this.detach();
    for (let attempt = 0; attempt < attempts && !this.reconnectCanceled; attempt += 1) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, intervalMs));
      if (this.reconnectCanceled) break;
      const attached = await this.attach(connection.params, connection.reader, new Map());
      if ('error' in attached) continue;
      if (this.reconnectCanceled) {
        await this.detach();
        break;
      }
      this.reconnecting = false;
      this.connection = { ...connection, reader: { ...connection.reader, ...attached.reader } };
      this.host.setConnectionStatus('connected');
      this.host.setPaymentStatus('ready');
      this.host.emit('onDidSucceedReaderReconnect', this.connection.reader);
      return;
    }
    if (!this.reconnecting) return;
    this.reconnecting = false;
    this.host.setConnectionStatus('notConnected');
    this.host.emit('onDidFailReaderReconnect', connection.reader);
    this.host.emit('onDidDisconnect', reason);
  }

  async cancelReconnection(): Promise<ErrorResult> {
    if (!this.reconnecting)
      return { error: stripeError(ErrorCode.CANCEL_FAILED, 'There is no reader reconnection to cancel.') };
    this.reconnectCanceled = true;
    return {};
  }

  /** OpenTill: the Bluetooth link drops (the reader walked out of range), as a test or demo would cause it. */
  simulateUnexpectedDisconnect(): ErrorResult {
    if (!this.connection) return { error: stripeError(ErrorCode.NOT_CONNECTED_TO_READER, 'No reader is connected.') };
    this.lost();
    return {};
  }

  // Software updates -----------------------------------------------------------------------------------

  installAvailableUpdate(): Cancelable<ErrorResult> {
    const connection = this.connection;
    if (!connection) return done({ error: stripeError(ErrorCode.NOT_CONNECTED_TO_READER, 'No reader is connected.') });
    const update = connection.reader.availableUpdate;
    if (!connection.mobile || !update) {
      return done({
        error: stripeError(ErrorCode.UNEXPECTED_OPERATION, 'The connected reader has no software update to install.'),
      });
    }
    return this.host.slot.run('installAvailableUpdate', async () => {
      const installed = await this.install(update);
      return installed.error ? { error: installed.error } : {};
    });
  }

  /** The reader is going away: an update running now stops as interrupted. */
  interruptUpdate(): void {
    if (this.installing) this.installing.interrupted = true;
  }

  async cancelInstallingUpdate(): Promise<ErrorResult> {
    const installing = this.installing;
    if (!installing) return { error: stripeError(ErrorCode.CANCEL_FAILED, 'No software update is being installed.') };
    installing.canceled = true;
    return {};
  }

  /** Installs `update` with progress callbacks; canceled or interrupted (disconnect) before its last step, nothing changes. */
  private async install(update: SoftwareUpdate): Promise<{ error?: StripeError }> {
    const installing = { canceled: false, interrupted: false };
    this.installing = installing;
    this.host.emit('onDidStartInstallingUpdate', update);
    try {
      for (let step = 0; step <= updateSteps; step += 1) {
        if (step > 0) await new Promise((resolve) => setTimeout(resolve, this.updateStepMs));
        const stopped = installing.canceled
          ? stripeError(ErrorCode.CANCELED, 'The software update was canceled.')
          : installing.interrupted
            ? stripeError(
                ErrorCode.READER_SOFTWARE_UPDATE_FAILED_INTERRUPTED,
                'The software update was interrupted: the reader disconnected. Reconnect it to install the update.',
              )
            : null;
        if (stopped) {
          this.host.emit('onDidFinishInstallingUpdate', { update, error: stopped });
          return { error: stopped };
        }
        this.host.emit('onDidReportReaderSoftwareUpdateProgress', String(step / updateSteps));
      }
      const connection = this.connection;
      if (connection) {
        const reader: Reader = {
          ...connection.reader,
          deviceSoftwareVersion: update.deviceSoftwareVersion,
          firmwareVersion: update.deviceSoftwareVersion,
        };
        delete reader.availableUpdate;
        connection.reader = reader;
      }
      this.simulatedUpdate = 'none';
      this.host.emit('onDidFinishInstallingUpdate', { update });
      return {};
    } finally {
      this.installing = null;
    }
  }

  // Payments -------------------------------------------------------------------------------------------

  collect(params: CollectPaymentMethodParams): Cancelable<PaymentIntentResult> {
    return this.host.slot.run('collectPaymentMethod', async () => {
      const handle = this.host.intents.resolve(params?.paymentIntent);
      if ('name' in handle) return { error: handle };
      const collected = await this.host.server.collect(handle.clientSecret, params);
      if ('error' in collected) return { error: collected.error };
      return { paymentIntent: this.host.intents.wrap(collected.paymentIntent) };
    });
  }

  confirm(params: ConfirmPaymentIntentParams): Cancelable<PaymentIntentResult> {
    return this.host.slot.run('confirmPaymentIntent', () => this.confirmNow(params));
  }

  private async confirmNow(params: ConfirmPaymentIntentParams): Promise<PaymentIntentResult> {
    const handle = this.host.intents.resolve(params?.paymentIntent);
    if ('name' in handle) return { error: handle };
    if (params.paymentIntent.status === 'requiresPaymentMethod') {
      // Nothing collected for it on the reader: React Native's answer, as for Tap to Pay.
      return {
        error: stripeError(
          ErrorCode.CONFIRM_INVALID_PAYMENT_INTENT,
          'confirmPaymentIntent needs the PaymentIntent collectPaymentMethod returned: collect a payment method first.',
        ),
      };
    }
    const confirmed = await this.host.server.confirm(handle.id, params.returnUrl);
    if ('error' in confirmed) {
      const current = await this.host.transport.request<Json>('POST', '/payment_intents/retrieve', {
        client_secret: handle.clientSecret,
      });
      return {
        error: current.ok
          ? { ...confirmed.error, paymentIntent: this.host.intents.wrap(current.data) }
          : confirmed.error,
      };
    }
    return { paymentIntent: this.host.intents.wrap(confirmed.paymentIntent) };
  }

  process(params: ProcessPaymentIntentParams): Cancelable<PaymentIntentResult> {
    return this.host.slot.run('processPaymentIntent', async () => {
      const handle = this.host.intents.resolve(params?.paymentIntent);
      if ('name' in handle) return { error: handle };
      const collected = await this.host.server.collect(handle.clientSecret, params);
      if ('error' in collected) return { error: collected.error };
      return this.confirmNow({
        paymentIntent: this.host.intents.wrap(collected.paymentIntent),
        ...(params.returnUrl ? { returnUrl: params.returnUrl } : {}),
      });
    });
  }

  /** Cancels a payment step on the reader (the reader's action is canceled on the server). */
  async cancel(name: 'collectPaymentMethod' | 'confirmPaymentIntent' | 'processPaymentIntent'): Promise<ErrorResult> {
    if (this.host.slot.running?.name !== name) {
      return {
        error: stripeError(ErrorCode.CANCEL_FAILED, `${name} could not be canceled because it is not running.`),
      };
    }
    return name === 'confirmPaymentIntent' ? this.host.server.cancelConfirm() : this.host.server.cancelCollect();
  }
}
