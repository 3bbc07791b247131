/**
 * The mobile SDK's public types, shaped like the React Native SDK's (`@stripe/stripe-terminal-react-native`,
 * vendored in compat/react-native): camelCase objects, `{ …payload } | { error }` results, `StripeError`.
 * Only the Tap to Pay subset is modelled; fields the React Native types have and OpenTill cannot
 * know are left out rather than faked.
 */
import type { DeviceFacts, TapToPayUxConfiguration } from '@opentill/core';
import type { ErrorCode } from './errors.js';
import type {
  AmountDetails,
  BatteryLevel,
  BatteryStatus,
  CardDetails,
  Charge,
  Location,
  NextAction,
  PaymentMethodOptions,
  ReaderEvent,
  ReceiptDetails,
  Refund,
  SetupIntent,
  SoftwareUpdate,
  UnderlyingErrorInformation,
  UpdateSoftwareResultType,
} from './rn-types.js';
import type { TapToPayUi } from './ui.js';
import type { OfflineBehavior, OfflineCallbacks, OfflineDetails, OfflineOptions } from './offline/types.js';

/** React Native's `Reader.DeviceType` of the readers OpenTill's mobile SDK connects (mobile-readers.ts, server-readers.ts). */
export type DeviceType =
  | 'chipper1X'
  | 'chipper2X'
  | 'stripeM2'
  | 'stripeU200'
  | 'wiseCube'
  | 'wisePad3'
  | 'wisePosE'
  | 'wisePosEDevkit'
  | 'wisePad3s'
  | 'stripeS700Devkit'
  | 'stripeS700'
  | 'stripeS710Devkit'
  | 'stripeS710'
  | 'cotsDevice'
  | 'tapToPay'
  | 'etna'
  | 'verifoneVM110'
  | 'verifoneVP110'
  | 'verifoneVL110';
export type DiscoveryMethod =
  'bluetoothScan' | 'bluetoothProximity' | 'internet' | 'usb' | 'appsOnDevices' | 'tapToPay';

/** `Reader.ConnectionStatus` of React Native (`reconnecting` during an automatic reconnection). */
export type ConnectionStatus = 'notConnected' | 'connecting' | 'connected' | 'discovering' | 'reconnecting';
export type PaymentStatus = 'notReady' | 'ready' | 'waitingForInput' | 'processing';
export type ReaderInputOptions = 'insertCard' | 'swipeCard' | 'tapCard';
export type ReaderDisplayMessage =
  | 'insertCard'
  | 'insertOrSwipeCard'
  | 'multipleContactlessCardsDetected'
  | 'removeCard'
  | 'retryCard'
  | 'swipeCard'
  | 'tryAnotherCard'
  | 'tryAnotherReadMethod'
  | 'checkMobileDevice'
  | 'cardRemovedTooEarly';
export type DisconnectReason =
  | 'disconnectRequested'
  | 'rebootRequested'
  | 'securityReboot'
  | 'criticallyLowBattery'
  | 'poweredOff'
  | 'bluetoothDisabled'
  | 'bluetoothSignalLost'
  | 'peerRemovedPairingInformation'
  | 'usbDisconnected'
  | 'idlePowerDown'
  | 'unknown';

/**
 * React Native's `Reader.Type`, for the phone. Before the first connection the phone is not a
 * registered reader: `id` is its serial number (the installation id), as the iOS bridge does for
 * readers without an id. After `connectReader` it is the server's `tmr_…` id.
 */
export interface Reader {
  id: string;
  serialNumber: string;
  deviceType: DeviceType;
  simulated?: boolean;
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
  /** Android's reader fields (React Native `Reader.Android.Type`); `firmwareVersion` is set for Bluetooth/USB readers. */
  baseUrl?: string;
  bootloaderVersion?: string;
  configVersion?: string;
  emvKeyProfileId?: string;
  firmwareVersion?: string;
  hardwareVersion?: string;
  macKeyProfileId?: string;
  pinKeyProfileId?: string;
  trackKeyProfileId?: string;
  settingsVersion?: string;
  pinKeysetId?: string;
  /** The server's `terminal.reader` (device_type `mobile_phone_reader`) once connected. */
  apiObject?: Record<string, unknown>;
}

export type DiscoverReadersParams =
  | { discoveryMethod: 'tapToPay'; simulated?: boolean }
  | { discoveryMethod: 'bluetoothScan' | 'usb'; timeout?: number; simulated?: boolean }
  | { discoveryMethod: 'bluetoothProximity'; simulated?: boolean }
  | {
      discoveryMethod: 'internet';
      timeout?: number;
      simulated?: boolean;
      locationId?: string;
      discoveryFilter?: Record<string, never> | { readerId: string } | { serialNumber: string };
    }
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
export type ConnectReaderParams =
  | ConnectTapToPayParams
  | ConnectMobileReaderParams
  | ConnectInternetReaderParams
  | { discoveryMethod: 'appsOnDevices'; reader: Reader };

export type PaymentMethodType =
  'card' | 'cardPresent' | 'interacPresent' | 'wechatPay' | 'affirm' | 'paynow' | 'paypay';

export interface CreatePaymentIntentParams {
  amount: number;
  currency: string;
  /** Default `['cardPresent']` (React Native's iOS parameter; its names or the API's). */
  paymentMethodTypes?: string[];
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

export type PaymentIntentStatus =
  | 'canceled'
  | 'processing'
  | 'requiresAction'
  | 'requiresCapture'
  | 'requiresConfirmation'
  | 'requiresPaymentMethod'
  | 'requiresReauthorization'
  | 'succeeded'
  | 'unknown';

export interface ApiErrorInformation {
  code: string;
  message: string;
  declineCode: string;
  type?: string;
  param?: string;
  charge?: string;
  docUrl?: string;
}

/**
 * React Native's `CardPresentDetails`, `PaymentMethod.Type` and `PaymentIntent.Type`, as its types
 * declare them (0.0.1-beta.30). As on React Native, fields the server does not know are absent at
 * run time although the type lists them (the native bridges send null for them), e.g. the
 * `interacPresentDetails` of a card or the `wallet` of a card read without one.
 */
export interface CardPresentDetails {
  last4: string;
  expMonth: string;
  expYear: string;
  cardholderName?: string;
  funding: string;
  brand: string;
  generatedCard?: string;
  emvAuthData?: string;
  country?: string;
  preferredLocales: string[];
  issuer: string;
  iin: string;
  network: string;
  description: string;
  /** `{type: 'apple_pay' | 'google_pay' | 'samsung_pay'}` when read from an NFC wallet. */
  wallet: { type: string };
  receipt?: ReceiptDetails;
  location?: string;
  reader?: string;
}

export interface PaymentMethod {
  type: PaymentMethodType;
  id: string;
  customer: string;
  interacPresentDetails: CardPresentDetails;
  cardPresentDetails: CardPresentDetails;
  wechatPayDetails: { location?: string; reader?: string; transactionId?: string };
  affirmDetails: { location?: string; reader?: string; transactionId?: string };
  paynowDetails?: { location?: string; reader?: string; reference?: string };
  paypayDetails?: { location?: string; reader?: string; reference?: string };
  cardDetails?: CardDetails;
  livemode: boolean;
  metadata?: Record<string, string>;
}

/**
 * React Native's `PaymentIntent.Type`. `sdkUuid` is the handle the SDK knows the PaymentIntent by:
 * pass back the objects this SDK returned. `charges` stays empty (the SDK's endpoints answer the
 * PaymentIntent unexpanded; read charges on your backend); `created` and `canceledAt` are Unix
 * seconds as strings, as React Native types them; `apiObject` is the server's PaymentIntent
 * exactly as answered (its `payment_method_types` among others: React Native beta.30 types
 * `paymentMethodTypes` as `number[]`, so OpenTill leaves that field out).
 */
export interface PaymentIntent {
  id: string;
  sdkUuid: string;
  amount: number;
  amountCapturable?: number;
  amountDetails?: AmountDetails;
  amountReceived?: number;
  amountRequested?: number;
  amountSurcharge?: number;
  /** The tip collected on the reader (the server's `amount_details.tip.amount`). */
  amountTip?: number;
  applicationFeeAmount?: number;
  canceledAt?: string;
  cancellationReason?: string;
  captureMethod: string;
  charges: Charge[];
  clientSecret?: string;
  confirmationMethod?: string;
  created: string;
  currency: string;
  customer?: string;
  description?: string;
  livemode: boolean;
  metadata?: Record<string, string>;
  nextAction?: NextAction;
  onBehalfOf?: string;
  paymentMethodOptions?: PaymentMethodOptions;
  /** React Native types it `number[]`: OpenTill never sets it (read `apiObject.payment_method_types`). */
  paymentMethodTypes?: number[];
  /** The collected PaymentMethod: only when `updatePaymentIntent` asked for it, or after confirmation. */
  paymentMethod?: PaymentMethod;
  paymentMethodId?: string;
  receiptEmail?: string;
  lastPaymentError?: ApiErrorInformation;
  setupFutureUsage?: string;
  statementDescriptor?: string;
  statementDescriptorSuffix?: string;
  status?: PaymentIntentStatus;
  transferGroup?: string;
  /** OpenTill: the id of the latest charge. */
  latestChargeId?: string;
  /** Set on a PaymentIntent collected offline (its `id` is empty until it is forwarded). */
  offlineDetails?: OfflineDetails;
  /** OpenTill: the server's PaymentIntent as answered (always set on what the SDK returns). */
  apiObject?: Record<string, unknown>;
}

/** React Native's `StripeError` (compat/react-native/types/StripeError.ts). */
export interface StripeError extends Error {
  name: 'StripeError';
  code: ErrorCode;
  /** The server's code when it came from the server (`card_declined`, `TAP_TO_PAY_UNSUPPORTED_DEVICE`), else `code`. */
  nativeErrorCode: string;
  message: string;
  /** `reason` (the server's sub-code), `field`, `causes`, `errors` (UX configuration), `httpStatusCode`, `stripeAPIRequestId` when known. */
  metadata: Record<string, unknown>;
  paymentIntent?: PaymentIntent;
  setupIntent?: SetupIntent;
  refund?: Refund;
  apiError?: ApiErrorInformation;
  underlyingError?: UnderlyingErrorInformation;
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

export type PaymentIntentResult =
  { paymentIntent: PaymentIntent; error?: undefined } | { paymentIntent?: undefined; error: StripeError };
export type ReaderResult = { reader: Reader; error?: undefined } | { reader?: undefined; error: StripeError };
export type ErrorResult = { error?: StripeError };
/**
 * React Native types some results `{ error: StripeError }` although `error` is undefined on
 * success (disconnectReader, rebootReader, clearReaderDisplay): the hook keeps those types.
 */
export type ErrorAlwaysResult = { error: StripeError };

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

/** React Native's namespaces (`Reader.Type`, `PaymentIntent.Type`…), so its type names work unchanged. */
// eslint-disable-next-line @typescript-eslint/no-namespace -- React Native's type names are namespaces
export declare namespace Reader {
  type Type = Reader;
  type DeviceType = import('./types.js').DeviceType;
  type DiscoveryMethod = import('./types.js').DiscoveryMethod;
  type ConnectionStatus = import('./types.js').ConnectionStatus;
  type DisconnectReason = import('./types.js').DisconnectReason;
  type InputOptions = ReaderInputOptions;
  type DisplayMessage = ReaderDisplayMessage;
  type NetworkStatus = 'offline' | 'online';
  type BatteryStatus = import('./rn-types.js').BatteryStatus;
  type BatteryLevel = import('./rn-types.js').BatteryLevel;
  type SoftwareUpdate = import('./rn-types.js').SoftwareUpdate;
  type EstimatedUpdateTime = import('./rn-types.js').EstimatedUpdateTime;
  type SimulateUpdateType = import('./rn-types.js').SimulateUpdateType;
  type ReaderSettings = import('./rn-types.js').ReaderSettings;
  type ReaderSettingsParameters = import('./rn-types.js').ReaderSettingsParameters;
  type Accessibility = import('./rn-types.js').Accessibility;
  type ReaderTextToSpeechStatus = import('./rn-types.js').ReaderTextToSpeechStatus;
}

// eslint-disable-next-line @typescript-eslint/no-namespace -- React Native's type names are namespaces
export declare namespace PaymentIntent {
  type Type = PaymentIntent;
  type Status = PaymentIntentStatus;
}

// eslint-disable-next-line @typescript-eslint/no-namespace -- React Native's type names are namespaces
export declare namespace PaymentMethod {
  type Type = PaymentMethod;
}
