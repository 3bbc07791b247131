/**
 * The React Native SDK's types beyond Tap to Pay (`@stripe/stripe-terminal-react-native`
 * 0.0.1-beta.30, commit c8e4deff, src/types): SetupIntents, refunds, Locations, the reader display,
 * collectInputs/collectData, reader settings, software updates and battery. Same names and shapes,
 * so a React Native app compiles against OpenTill with its import swapped (compat/react-native).
 */
import type { PaymentMethod, Reader, StripeError } from './types.js';

export type LocationStatus = 'notSet' | 'set' | 'unknown';

export interface Address {
  city?: string;
  country?: string;
  postalCode?: string;
  line1?: string;
  line2?: string;
  state?: string;
}

export interface Location {
  displayName?: string;
  id: string;
  livemode: boolean;
  address?: Address;
}

export type GetLocationsParams = { limit?: number; endingBefore?: string; startingAfter?: string };
export type GetLocationsResultType =
  | { locations: Location[]; hasMore: boolean; error?: undefined }
  | { locations?: undefined; hasMore?: undefined; error: StripeError };

// Readers: battery and software updates (Reader.BatteryLevel, Reader.SoftwareUpdate) -----------------

export type BatteryStatus = 'critical' | 'low' | 'nominal' | 'unknown';
export type BatteryLevel = { batteryLevel: number; batteryStatus: BatteryStatus; isCharging: boolean };
export type EstimatedUpdateTime =
  'estimate1To2Minutes' | 'estimate2To5Minutes' | 'estimate5To15Minutes' | 'estimateLessThan1Minute';
export type SoftwareUpdate = {
  deviceSoftwareVersion: string;
  estimatedUpdateTime: EstimatedUpdateTime;
  requiredAt?: string;
};
export type SimulateUpdateType =
  'random' | 'available' | 'none' | 'required' | 'lowBattery' | 'lowBatterySucceedConnect' | 'requiredForOffline';
export type UpdateSoftwareResultType = { update?: SoftwareUpdate; error?: StripeError };
export type ReaderEvent = 'cardInserted' | 'cardRemoved';

export type ReaderTextToSpeechStatus = 'off' | 'headphones' | 'speakers';
export type Accessibility = { textToSpeechStatus: ReaderTextToSpeechStatus; error?: StripeError };
export type ReaderSettings =
  { accessibility?: Accessibility; error?: undefined } | { accessibility?: undefined; error?: StripeError };
export type ReaderSettingsParameters = { textToSpeechViaSpeakers: boolean };

// easyConnect ------------------------------------------------------------------------------------

export type DiscoveryFilter = Record<string, never> | { readerId: string } | { serialNumber: string };
export type EasyConnectParams =
  | {
      discoveryMethod: 'internet';
      timeout?: number;
      simulated?: boolean;
      locationId?: string;
      discoveryFilter?: DiscoveryFilter;
      failIfInUse?: boolean;
    }
  | {
      discoveryMethod: 'tapToPay';
      simulated?: boolean;
      locationId: string;
      autoReconnectOnUnexpectedDisconnect?: boolean;
      merchantDisplayName?: string;
      onBehalfOf?: string;
      tosAcceptancePermitted?: boolean;
    }
  | { discoveryMethod: 'appsOnDevices' };

// Reader display -----------------------------------------------------------------------------------

export type LineItem = { displayName: string; quantity: number; amount: number };
export type Cart = { currency: string; tax: number; total: number; lineItems: LineItem[] };

// SetupIntents -------------------------------------------------------------------------------------

export type SetupIntentStatus =
  | 'canceled'
  | 'processing'
  | 'requiresAction'
  | 'requiresConfirmation'
  | 'requiresPaymentMethod'
  | 'succeeded'
  | 'unknown';
export type SetupIntentUsage = 'offSession' | 'onSession';
export type AllowRedisplay = 'always' | 'limited' | 'unspecified';
export type CollectionReason = 'saveCard' | 'verify' | 'unspecified';
export type CustomerCancellation = 'enableIfAvailable' | 'disableIfAvailable' | 'unspecified';
export type MotoConfiguration = { skipCvc?: boolean };

/** React Native's `SetupIntent.Type`; `apiObject` is the server's SetupIntent as answered. */
export interface SetupIntent {
  id: string;
  sdkUuid: string;
  application?: string;
  cancellationReason?: string;
  clientSecret?: string;
  created?: string;
  customer?: string;
  description?: string;
  livemode: boolean;
  mandate?: string;
  metadata?: Record<string, string>;
  onBehalfOf?: string;
  paymentMethodId?: string;
  paymentMethodTypes?: string[];
  singleUseMandate?: string;
  status?: SetupIntentStatus;
  usage?: SetupIntentUsage;
  nextAction?: NextAction;
  paymentMethod?: PaymentMethod;
  paymentMethodOptions?: PaymentMethodOptions;
  latestAttempt?: SetupAttempt;
  lastSetupError?: import('./types.js').ApiErrorInformation;
  /** OpenTill: the server's SetupIntent as answered (always set on what the SDK returns). */
  apiObject?: Record<string, unknown>;
}

export type CreateSetupIntentParams = {
  customer?: string;
  description?: string;
  metadata?: Record<string, string>;
  onBehalfOf?: string;
  paymentMethodTypes?: string[];
  usage?: string;
};
export type CollectSetupIntentPaymentMethodParams = {
  allowRedisplay?: AllowRedisplay;
  customerCancellation?: CustomerCancellation;
  setupIntent: SetupIntent;
  motoConfiguration?: MotoConfiguration;
  collectionReason?: CollectionReason;
};
export type ProcessSetupIntentParams = CollectSetupIntentPaymentMethodParams;
export type ConfirmSetupIntentMethodParams = { setupIntent: SetupIntent };
export type CancelSetupIntentMethodParams = { setupIntent: SetupIntent };
export type SetupIntentResultType =
  { setupIntent: SetupIntent; error?: undefined } | { setupIntent?: undefined; error: StripeError };

// Refunds ------------------------------------------------------------------------------------------

export type RefundStatus = 'succeeded' | 'failed' | 'pending' | 'unknown';
export interface Refund {
  id: string;
  amount?: number;
  balanceTransaction?: string;
  chargeId?: string;
  created?: string;
  currency?: string;
  description?: string;
  failureReason?: string;
  metadata?: Record<string, string>;
  paymentIntentId?: string;
  reason?: string;
  receiptNumber?: string;
  failureBalanceTransaction?: string;
  sourceTransferReversal?: string;
  transferReversal?: string;
  paymentMethodDetails?: PaymentMethodDetails;
  status?: RefundStatus;
}
type RefundCommon = {
  amount: number;
  currency: string;
  refundApplicationFee?: boolean;
  reverseTransfer?: boolean;
  customerCancellation?: CustomerCancellation;
  metadata?: Record<string, string>;
};
export type RefundParams =
  (RefundCommon & { paymentIntentId: string; clientSecret: string }) | (RefundCommon & { chargeId: string });
export type ProcessRefundResultType = { refund?: Refund; error?: StripeError };

// collectInputs ------------------------------------------------------------------------------------

export enum FormType {
  SELECTION = 'selection',
  SIGNATURE = 'signature',
  PHONE = 'phone',
  EMAIL = 'email',
  NUMERIC = 'numeric',
  TEXT = 'text',
}
export enum SelectionButtonStyle {
  PRIMARY = 'primary',
  SECONDARY = 'secondary',
}
export enum ToggleValue {
  ENABLED = 'enabled',
  DISABLED = 'disabled',
}
export enum ToggleResult {
  ENABLED = 'enabled',
  DISABLED = 'disabled',
  SKIPPED = 'skipped',
}
export interface ISelectionButton {
  style: SelectionButtonStyle;
  text: string;
  id: string;
}
export interface IToggle {
  title?: string | null;
  description?: string | null;
  defaultValue: ToggleValue;
}
export interface IInput {
  formType: FormType;
  required?: boolean | null;
  title: string;
  description?: string | null;
  toggles?: IToggle[] | null;
  skipButtonText?: string | null;
  submitButtonText?: string | null;
  selectionButtons?: ISelectionButton[];
}
export interface ICollectInputsParameters {
  inputs: IInput[];
}
export interface ICollectInputsResult {
  skipped: boolean;
  formType: FormType;
  toggles: ToggleResult[];
}
export interface SelectionResult extends ICollectInputsResult {
  selection?: string | null;
  selectionId?: string | null;
}
export interface SignatureResult extends ICollectInputsResult {
  signatureSvg?: string | null;
}
export interface PhoneResult extends ICollectInputsResult {
  phone?: string | null;
}
export interface EmailResult extends ICollectInputsResult {
  email?: string | null;
}
export interface TextResult extends ICollectInputsResult {
  text?: string | null;
}
export interface NumericResult extends ICollectInputsResult {
  numericString?: string | null;
}
export type ICollectInputsResults =
  | { collectInputResults?: ICollectInputsResult[]; error?: undefined }
  | { collectInputResults?: undefined; error: StripeError };

// collectData ----------------------------------------------------------------------------------------

export enum CollectDataType {
  MAGSTRIPE = 'magstripe',
  NFC_UID = 'nfcUid',
  UNKNOWN = 'unknown',
}
export interface CollectDataParams {
  collectDataType: CollectDataType;
  customerCancellation: CustomerCancellation;
}
export type CollectedData = { stripeId?: string; nfcUid?: string; created: string; livemode: boolean };
export type CollectDataResultType =
  { collectedData?: CollectedData; error?: undefined } | { collectedData?: undefined; error: StripeError };

// Charges (PaymentIntent.charges; OpenTill leaves the list empty: read charges on your backend) ---------------

export type ReceiptDetails = {
  accountType: string;
  applicationCryptogram: string;
  applicationPreferredName: string;
  authorizationCode: string;
  authorizationResponseCode: string;
  cvm: string;
  dedicatedFileName: string;
  terminalVerificationResult: string;
  transactionStatusInformation: string;
};
type Located = { location?: string; reader?: string };
export type CardDetails = {
  brand?: string;
  country?: string;
  expMonth?: number;
  expYear?: number;
  funding?: string;
  generatedFrom?: GeneratedFrom;
  last4?: string;
};
export type PaymentMethodDetails = {
  type: string;
  cardPresentDetails?: import('./types.js').CardPresentDetails;
  interacPresentDetails?: import('./types.js').CardPresentDetails;
  wechatPayDetails?: Located & { transactionId?: string };
  affirmDetails?: Located & { transactionId?: string };
  paynowDetails?: Located & { reference?: string };
  paypayDetails?: Located & { reference?: string };
  cardDetails?: CardDetails;
};
export type GeneratedFrom = { charge?: string; paymentMethodDetails?: PaymentMethodDetails; setupAttempt?: string };
export interface Charge {
  id: string;
  amount: number;
  amountRefunded: number;
  applicationFee?: string;
  applicationFeeAmount?: number;
  authorizationCode?: string;
  balanceTransaction?: string;
  captured: boolean;
  calculatedStatementDescriptor?: string;
  created?: string;
  currency: string;
  customer?: string;
  description?: string;
  generatedFrom?: GeneratedFrom;
  livemode: boolean;
  metadata?: Record<string, string>;
  onBehalfOf?: string;
  paid: boolean;
  paymentIntentId?: string;
  paymentMethodDetails?: PaymentMethodDetails;
  receiptEmail?: string;
  receiptNumber?: string;
  receiptUrl?: string;
  refunded: boolean;
  statementDescriptorSuffix?: string;
  status?: string;
}

// Smaller React Native types the data types refer to -------------------------------------------------

export type NextAction = {
  type?: string;
  wechatPayDisplayQrCode?: {
    data?: string;
    hostedInstructionsUrl?: string;
    imageDataUrl?: string;
    imageUrlPng?: string;
    imageUrlSvg?: string;
  };
  redirectToUrl?: { url?: string; returnUrl?: string };
  useStripeSdk?: { type?: string };
};
export type PaymentMethodOptions = {
  requestExtendedAuthorization?: boolean;
  requestIncrementalAuthorizationSupport?: boolean;
  requestedPriority: string;
  requestPartialAuthorization?: string;
  captureMethod?: 'manual' | 'manual_preferred';
};
export type Amount = { amount?: number };
export type AmountDetails = { tip?: Amount; donation?: Amount; surcharge?: Amount };
// OfflineDetails and OfflineCardPresentDetails: offline/types.ts (offline payments).
export type SetupAttemptCardPresentDetails = { emvAuthData: string; generatedCard: string };
export type SetupAttempt = {
  id: string;
  applicationId?: string;
  created?: string;
  customer?: string;
  livemode: boolean;
  onBehalfOfId?: string;
  paymentMethodDetails: {
    cardPresent: SetupAttemptCardPresentDetails;
    interacPresent: SetupAttemptCardPresentDetails;
    type: import('./types.js').PaymentMethodType;
  };
  paymentMethodId?: string;
  setupIntentId?: string;
  status: string;
  usage?: SetupIntentUsage;
};
export interface UnderlyingErrorInformation {
  code: string;
  message: string;
  iosDomain?: string;
  iosLocalizedFailureReason?: string;
  iosLocalizedRecoverySuggestion?: string;
}

/** Content for `print`: an image (JPEG/PNG) as base64 or a `data:` URI. */
export type PrintContent = string;

export type ReaderSupportParams = { deviceType: Reader['deviceType']; simulated?: boolean; discoveryMethod: string };

export type { PaymentMethod };

// eslint-disable-next-line @typescript-eslint/no-namespace -- React Native's type names are namespaces
export declare namespace SetupIntent {
  type Type = SetupIntent;
  type Status = SetupIntentStatus;
  type Usage = SetupIntentUsage;
}

// eslint-disable-next-line @typescript-eslint/no-namespace -- React Native's type names are namespaces
export declare namespace Refund {
  type Props = Refund;
  type Status = RefundStatus;
}
