/**
 * The mobile SDK's public types, shaped like the React Native SDK's (`@stripe/stripe-terminal-react-native`,
 * terminal-sdk-surface.md §2): camelCase objects, `{ …payload } | { error }` results, `StripeError`.
 * Only the Tap to Pay subset is modelled; fields the React Native types have and OpenTill cannot
 * know are left out rather than faked.
 */
import type { DeviceFacts, TapToPayUxConfiguration } from '@opentill/core';
import type { ErrorCode } from './errors.js';
import type { BatteryLevel, BatteryStatus, Location, ReaderEvent, SoftwareUpdate, UpdateSoftwareResultType } from './rn-types.js';
import type { TapToPayUi } from './ui.js';
import type { OfflineBehavior, OfflineCallbacks, OfflineDetails, OfflineOptions } from './offline/types.js';

/** React Native's `Reader.DeviceType` of the readers OpenTill's mobile SDK connects (mobile-readers.ts, server-readers.ts). */
export type DeviceType = 'tapToPay' | 'stripeM2' | 'chipper2X' | 'wisePad3' | 'stripeS700' | 'stripeS710' | 'wisePosE' |
  'wisePosEDevkit' | 'stripeS700Devkit' | 'verifoneVM110' | 'verifoneVP110' | 'verifoneVL110' | 'etna';
export type DiscoveryMethod = 'bluetoothScan' | 'bluetoothProximity' | 'internet' | 'usb' | 'appsOnDevices' | 'tapToPay';

/** `Reader.ConnectionStatus` of React Native (`reconnecting` during an automatic reconnection). */
export type ConnectionStatus = 'notConnected' | 'connecting' | 'connected' | 'discovering' | 'reconnecting';
export type PaymentStatus = 'notReady' | 'ready' | 'waitingForInput' | 'processing';
export type ReaderInputOptions = 'insertCard' | 'swipeCard' | 'tapCard';
export type ReaderDisplayMessage = 'insertCard' | 'insertOrSwipeCard' | 'multipleContactlessCardsDetected' | 'removeCard' |
  'retryCard' | 'swipeCard' | 'tryAnotherCard' | 'tryAnotherReadMethod' | 'checkMobileDevice' | 'cardRemovedTooEarly';
export type DisconnectReason = 'disconnectRequested' | 'rebootRequested' | 'securityReboot' | 'criticallyLowBattery' |
  'poweredOff' | 'bluetoothDisabled' | 'bluetoothSignalLost' | 'peerRemovedPairingInformation' | 'usbDisconnected' |
  'idlePowerDown' | 'unknown';

/**
 * React Native's `Reader.Type`, for the phone. Before the first connection the phone is not a
 * registered reader: `id` is its serial number (the installation id), as the iOS bridge does for
 * readers without an id. After `connectReader` it is the server's `tmr_…` id.
 */
export interface Reader {
  id: string;
  serialNumber: string;
  deviceType: DeviceType;
  simulated: boolean;
  label?: string;
  locationId?: string;
  locationStatus: 'notSet' | 'set' | 'unknown';
  status: 'online' | 'offline';
  deviceSoftwareVersion?: string;
  ipAddress?: string;
  livemode?: boolean;
  /** Bluetooth and USB readers: battery (0–1), its status and whether it charges (iOS reports `isCharging` as 0/1). */
  batteryLevel?: number;
  batteryStatus: BatteryStatus;
  isCharging?: number;
  /** A software update the reader can install (installAvailableUpdate). */
  availableUpdate?: SoftwareUpdate;
  location?: Location;
  /** The server's `terminal.reader` (device_type `mobile_phone_reader`) once connected. */
  apiObject?: Record<string, unknown>;
}

export type DiscoverReadersParams =
  | { discoveryMethod: 'tapToPay'; simulated?: boolean }
  | { discoveryMethod: 'bluetoothScan' | 'usb'; timeout?: number; simulated?: boolean }
  | { discoveryMethod: 'bluetoothProximity'; simulated?: boolean }
  | { discoveryMethod: 'internet'; timeout?: number; simulated?: boolean; locationId?: string;
    discoveryFilter?: Record<string, never> | { readerId: string } | { serialNumber: string } }
  | { discoveryMethod: 'appsOnDevices' };

export interface ConnectTapToPayParams {
  discoveryMethod: 'tapToPay';
  reader: Reader;
  locationId: string;
  merchantDisplayName?: string;
  onBehalfOf?: string;
  /** Default true: after an unexpected disconnect the SDK reconnects by itself. */
  autoReconnectOnUnexpectedDisconnect?: boolean;
  /** Default true (iOS): the Terms of Service may be accepted during this connection. */
  tosAcceptancePermitted?: boolean;
}

/** Bluetooth and USB readers (mobile-readers.ts) register to `locationId` at connection, as Stripe's do. */
export interface ConnectMobileReaderParams {
  discoveryMethod: 'bluetoothScan' | 'bluetoothProximity' | 'usb';
  reader: Reader;
  locationId: string;
  autoReconnectOnUnexpectedDisconnect?: boolean;
}

/** Smart readers the server knows (server-readers.ts). */
export interface ConnectInternetReaderParams {
  discoveryMethod: 'internet';
  reader: Reader;
  failIfInUse?: boolean;
}

/** `appsOnDevices` (the SDK inside a Stripe reader's own app) is refused: UNSUPPORTED_OPERATION. */
export type ConnectReaderParams = ConnectTapToPayParams | ConnectMobileReaderParams | ConnectInternetReaderParams |
  { discoveryMethod: 'appsOnDevices'; reader: Reader };

export type PaymentMethodType = 'card' | 'cardPresent' | 'interacPresent' | 'wechatPay' | 'affirm' | 'paynow' | 'paypay' | 'klarna';

export interface CreatePaymentIntentParams {
  amount: number;
  currency: string;
  /** Default `['cardPresent']`. */
  paymentMethodTypes?: PaymentMethodType[];
  captureMethod?: 'automatic' | 'manual';
  setupFutureUsage?: 'off_session' | 'on_session';
  onBehalfOf?: string;
  applicationFeeAmount?: number;
  description?: string;
  statementDescriptor?: string;
  statementDescriptorSuffix?: string;
  receiptEmail?: string;
  customer?: string;
  transferGroup?: string;
  metadata?: Record<string, string>;
  /** Where the PaymentIntent is created (docs/offline.md); default `prefer_online`. */
  offlineBehavior?: OfflineBehavior;
}

export type PaymentIntentStatus = 'canceled' | 'processing' | 'requiresAction' | 'requiresCapture' | 'requiresConfirmation' |
  'requiresPaymentMethod' | 'requiresReauthorization' | 'succeeded' | 'unknown';

export interface ApiErrorInformation {
  code: string;
  message: string;
  declineCode: string;
  type?: string;
  param?: string;
  charge?: string;
  docUrl?: string;
}

export interface CardPresentDetails {
  last4?: string;
  expMonth?: number;
  expYear?: number;
  brand?: string;
  funding?: string;
  network?: string;
  /** `{type: 'apple_pay' | 'google_pay' | 'samsung_pay'}` when read from an NFC wallet. */
  wallet?: { type: string } | null;
  readMethod?: string;
}

export interface PaymentMethod {
  id: string;
  type: string;
  created?: number;
  customer?: string | null;
  livemode?: boolean;
  metadata?: Record<string, string>;
  cardPresentDetails?: CardPresentDetails;
  interacPresentDetails?: CardPresentDetails;
}

/**
 * React Native's `PaymentIntent.Type`. `sdkUuid` is the handle the SDK knows the PaymentIntent by:
 * pass back the objects this SDK returned. `charges` stays empty (the SDK's endpoints answer the
 * PaymentIntent unexpanded; read charges on your backend); `apiObject` is the server's
 * PaymentIntent exactly as answered.
 */
export interface PaymentIntent {
  id: string;
  sdkUuid: string;
  amount: number;
  amountCapturable?: number;
  amountReceived?: number;
  applicationFeeAmount?: number | null;
  canceledAt?: number | null;
  cancellationReason?: string | null;
  captureMethod: string;
  charges: unknown[];
  clientSecret?: string;
  confirmationMethod?: string;
  created: number;
  currency: string;
  customer?: string | null;
  description?: string | null;
  livemode: boolean;
  metadata: Record<string, string>;
  onBehalfOf?: string | null;
  /** The collected PaymentMethod: only when `updatePaymentIntent` asked for it, or after confirmation. */
  paymentMethod?: PaymentMethod | null;
  paymentMethodId?: string | null;
  paymentMethodTypes?: string[];
  receiptEmail?: string | null;
  lastPaymentError?: ApiErrorInformation | null;
  setupFutureUsage?: string | null;
  statementDescriptor?: string | null;
  statementDescriptorSuffix?: string | null;
  status: PaymentIntentStatus;
  transferGroup?: string | null;
  latestChargeId?: string | null;
  /** Set on a PaymentIntent collected offline (its `id` is empty until it is forwarded). */
  offlineDetails?: OfflineDetails;
  apiObject: Record<string, unknown>;
}

/** React Native's `StripeError` (terminal-sdk-surface.md §2.6). */
export interface StripeError {
  name: 'StripeError';
  code: ErrorCode;
  /** The server's code when it came from the server (`card_declined`, `TAP_TO_PAY_UNSUPPORTED_DEVICE`), else `code`. */
  nativeErrorCode: string;
  message: string;
  /** `reason` (the server's sub-code), `field`, `causes`, `errors` (UX configuration), `httpStatusCode`, `stripeAPIRequestId` when known. */
  metadata: Record<string, unknown>;
  paymentIntent?: PaymentIntent;
  apiError?: ApiErrorInformation;
}

export interface CollectPaymentMethodParams {
  paymentIntent: PaymentIntent;
  /** Attach the PaymentMethod to the server's PaymentIntent and return it (`paymentIntent.paymentMethod`). */
  updatePaymentIntent?: boolean;
  /** Default `enableIfAvailable`: the tap screen can be closed by the customer. */
  customerCancellation?: 'enableIfAvailable' | 'disableIfAvailable' | 'unspecified';
  skipTipping?: boolean;
}

export interface ConfirmPaymentIntentParams {
  paymentIntent: PaymentIntent;
  returnUrl?: string;
}

export type ProcessPaymentIntentParams = CollectPaymentMethodParams & { returnUrl?: string };

export type PaymentIntentResult = { paymentIntent: PaymentIntent; error?: undefined } | { paymentIntent?: undefined; error: StripeError };
export type ReaderResult = { reader: Reader; error?: undefined } | { reader?: undefined; error: StripeError };
export type ErrorResult = { error?: StripeError };

/** A long operation: the result promise, plus `cancel()` (React Native's `Cancelable`). */
export type Cancelable<T> = Promise<T> & {
  /** Cancels the operation; resolves once it has stopped. `CANCEL_FAILED` if it completed or cannot be canceled now. */
  cancel(): Promise<ErrorResult>;
};

export interface UserCallbacks extends OfflineCallbacks {
  onUpdateDiscoveredReaders?: (readers: Reader[]) => void;
  onFinishDiscoveringReaders?: (error?: StripeError) => void;
  onDidChangeConnectionStatus?: (status: ConnectionStatus) => void;
  onDidChangePaymentStatus?: (status: PaymentStatus) => void;
  onDidRequestReaderInput?: (options: ReaderInputOptions[]) => void;
  onDidRequestReaderDisplayMessage?: (message: ReaderDisplayMessage) => void;
  onDidStartReaderReconnect?: (reader: Reader, reason?: DisconnectReason) => void;
  onDidSucceedReaderReconnect?: (reader: Reader) => void;
  onDidFailReaderReconnect?: (reader: Reader) => void;
  onDidDisconnect?: (reason?: DisconnectReason) => void;
  onDidAcceptTermsOfService?: () => void;
  onDidReportAvailableUpdate?: (update: SoftwareUpdate) => void;
  onDidStartInstallingUpdate?: (update: SoftwareUpdate) => void;
  /** Progress of an update as React Native reports it: a string holding a number in [0, 1]. */
  onDidReportReaderSoftwareUpdateProgress?: (progress: string) => void;
  onDidFinishInstallingUpdate?: (result: UpdateSoftwareResultType) => void;
  onDidUpdateBatteryLevel?: (result: BatteryLevel) => void;
  onDidReportLowBatteryWarning?: () => void;
  onDidReportReaderEvent?: (event: ReaderEvent) => void;
}

export interface MobileTerminalOptions {
  /** OpenTill's URL. */
  apiBase: string;
  /** Resolves to a connection token secret from your backend (`POST /v1/terminal/connection_tokens`). */
  tokenProvider: () => Promise<string>;
  /** What the phone says about itself (docs/tap-to-pay.md); change it later with `setDeviceFacts`. */
  device: DeviceFacts;
  /** A stable id of this app install (1–64 of [A-Za-z0-9_-]): the reader's serial number. */
  installationId: string;
  /** Draws the tap screen, the PIN pad and the outcome. */
  ui: TapToPayUi;
  callbacks?: UserCallbacks;
  fetch?: typeof fetch;
  /** A number in [0, 1) (like `Math.random`), drawn once per PIN entry for the PIN pad position. Default: `crypto.getRandomValues`. */
  random?: () => number;
  /** Automatic reconnection after an unexpected disconnect: attempts (default 10), spaced by intervalMs (default 2000). */
  reconnect?: { attempts?: number; intervalMs?: number };
  /** Offline payments: where they are stored on the device, how often the network is probed (docs/offline.md). */
  offline?: OfflineOptions;
}

export type { DeviceFacts, TapToPayUxConfiguration };
