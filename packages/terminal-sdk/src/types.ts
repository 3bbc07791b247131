/**
 * The typed surface of `@stripe/terminal-js` 0.26.0 (`types/terminal.d.ts`, `types/proto.d.ts`),
 * checked against the vendored declarations in compat/terminal-js (apps/opentill/src/e2e/sdk-compat.test.ts).
 * Objects coming from the API (`Reader`, `PaymentIntent`, `SetupIntent`) are stripe-node's types.
 * The one addition is `TerminalProps.apiBase`: the URL of the OpenTill server.
 */
import type Stripe from 'stripe';

export enum PaymentStatus {
  NOT_READY = 'not_ready',
  READY = 'ready',
  WAITING_FOR_INPUT = 'waiting_for_input',
  PROCESSING = 'processing',
}

export enum ConnectionStatus {
  CONNECTING = 'connecting',
  CONNECTED = 'connected',
  NOT_CONNECTED = 'not_connected',
}

export enum OutputLogLevel {
  NONE = 'none',
  VERBOSE = 'verbose',
}

export enum AllowRedisplay {
  ALWAYS = 'always',
  LIMITED = 'limited',
  UNSPECIFIED = 'unspecified',
}

export enum SurchargeConsentCollection {
  ENABLED = 'enabled',
  DISABLED = 'disabled',
}

export enum SimulatedCollectInputsResultType {
  SUCCEEDED = 'succeeded',
  TIMEOUT = 'timeout',
}

export enum SimulatedCollectInputsSkipBehavior {
  NONE = 'none',
  ALL = 'all',
}

export enum FormType {
  SELECTION = 'selection',
  SIGNATURE = 'signature',
  PHONE = 'phone',
  EMAIL = 'email',
  NUMERIC = 'numeric',
  TEXT = 'text',
}

export enum ToggleValue {
  ENABLED = 'enabled',
  DISABLED = 'disabled',
}

export enum ToggleResult {
  DISABLED = 'disabled',
  ENABLED = 'enabled',
  SKIPPED = 'skipped',
}

export enum SelectionButtonStyle {
  PRIMARY = 'primary',
  SECONDARY = 'secondary',
}

export type CreditCardBrand =
  | 'INVALID_CREDIT_CARD_BRAND'
  | 'UNKNOWN_CREDIT'
  | 'AMERICAN_EXPRESS'
  | 'DINERS'
  | 'DISCOVER'
  | 'JCB'
  | 'MASTERCARD'
  | 'VISA'
  | 'CUP';
export type CardEntryMethod =
  'INVALID_ENTRY_METHOD' | 'CHIP_READ' | 'CONTACTLESS' | 'FSWIPE' | 'KEYED' | 'SWIPED' | 'BARCODE_READ';

export type Reader = Stripe.Terminal.Reader;
export type IPaymentIntent = Stripe.PaymentIntent;
export type ISetupIntent = Stripe.SetupIntent;

export interface ExposedError {
  type?: string;
  request_id?: string;
  code?: string;
  message: string;
  decline_code?: string;
  payment_intent?: IPaymentIntent;
  failure_reason?: string;
  failure_balance_transaction?: string;
}

export interface ErrorResponse {
  error: ExposedError;
}

export type ConnectionToken = string;
export type FetchConnectionTokenFn = () => Promise<ConnectionToken>;

export interface DisconnectEvent {
  error?: ExposedError;
}
export interface ConnectionStatusEvent {
  status: ConnectionStatus;
}
export interface PaymentStatusEvent {
  status: PaymentStatus;
}

export interface TerminalCallbacks {
  onFetchConnectionToken: FetchConnectionTokenFn;
  onUnexpectedReaderDisconnect?: (event: DisconnectEvent) => void;
  onConnectionStatusChange?: (event: ConnectionStatusEvent) => void;
  onPaymentStatusChange?: (event: PaymentStatusEvent) => void;
}

export interface TerminalOptions {
  logLevel?: OutputLogLevel;
  simulatorBaseUrl?: string;
  readerBehavior?: { allowCustomerCancel?: boolean };
  /** OpenTill: the server's URL (e.g. `http://127.0.0.1:4242`). Default: the page's origin. */
  apiBase?: string;
}

export type TerminalProps = TerminalOptions & TerminalCallbacks;

export interface InternetMethodConfiguration {
  device_type?: string;
  method?: 'internet';
  simulated?: boolean;
  location?: string;
}
export type DiscoveryConfig = InternetMethodConfiguration;
export type DiscoverResult = { discoveredReaders: Reader[] };

export interface ConnectOptions {
  fail_if_in_use?: boolean | null;
}

/** `proto.d.ts`'s PaymentMethod of `readReusableCard` (which OpenTill answers with an error). */
export interface IPaymentMethodReadReusableResponse {
  id?: string | null;
  created?: number | null;
  customer?: string | null;
  livemode?: boolean | null;
  metadata?: { [k: string]: string } | null;
  type?: string | null;
  card?: {
    masked_pan?: string | null;
    expiration_date?: string | null;
    card_brand?: CreditCardBrand | null;
    card_entry_method?: CardEntryMethod | null;
  } | null;
}

export interface IDisconnectResponse {
  [key: string]: never;
}

export interface ILineItem {
  quantity?: number | null;
  description?: string | null;
  amount?: number | null;
  discounts?: unknown[] | null;
  modifiers?: unknown[] | null;
}
export interface ICart {
  line_items?: ILineItem[] | null;
  modifiers?: unknown[] | null;
  discounts?: unknown[] | null;
  tenders?: unknown[] | null;
  tax?: number | null;
  total?: number | null;
  currency?: string | null;
}
export interface ISetReaderDisplayRequest {
  type?: string | null;
  cart?: ICart | null;
}

export interface ITippingConfig {
  eligible_amount?: number | null;
}
export interface ICollectConfig {
  skip_tipping?: boolean | null;
  tipping?: ITippingConfig | null;
  update_payment_intent?: boolean | null;
  payment_intent_id?: string | null;
  surcharge_notice?: string | null;
  request_dynamic_currency_conversion?: boolean | null;
  allow_redisplay?: AllowRedisplay | null;
  moto?: boolean | null;
  /** Documented by Stripe for `config_override`, absent from the 0.26.0 d.ts; OpenTill honours it. */
  enable_customer_cancellation?: boolean | null;
}
export interface ITipOption {
  amount?: number | null;
  label?: string | null;
}
export interface ITipConfiguration {
  options?: ITipOption[] | null;
  hide_custom_amount?: boolean | null;
}
export interface CollectPaymentMethodOptions {
  tip_configuration?: ITipConfiguration;
  config_override?: ICollectConfig;
}

export interface ISurchargeConfiguration {
  amount: number;
  consent: { collection: SurchargeConsentCollection; notice?: string | null };
}
export interface IProcessConfig {
  amount_surcharge?: number | null;
  return_url?: string | null;
  surcharge?: ISurchargeConfiguration | null;
}
export interface ProcessPaymentOptions {
  config_override?: IProcessConfig;
}

export interface IPaymentMethod {
  card_payment?: {
    masked_pan?: string | null;
    expiration_date?: string | null;
    card_brand?: CreditCardBrand | null;
    card_entry_method?: CardEntryMethod | null;
  } | null;
  tip_selection?: { amount?: number | null } | null;
  /** Never filled by OpenTill (0.26.0 types it as an expanded PaymentIntent). */
  payment_intent?: null;
}
export type ISdkManagedPaymentIntent = IPaymentIntent & { sdk_payment_details: IPaymentMethod };

export interface ISetupIntentConfig {
  enable_customer_cancellation?: boolean | null;
  moto?: boolean | null;
}

export interface RefundOptions {
  reverse_transfer?: boolean | null;
  refund_application_fee?: boolean | null;
}
export interface IRefund {
  id?: string | null;
  amount?: number | null;
  charge?: string | null;
  created?: number | null;
  currency?: string | null;
  metadata?: Record<string, string> | null;
  reason?: string | null;
  status?: string | null;
  /** The refund's method type (the server's full details are on the Refund object). */
  payment_method_details?: { type?: string | null } | null;
  failure_reason?: string | null;
}

export interface IToggle {
  title?: string | null;
  description?: string | null;
  defaultValue: ToggleValue;
}
export interface ISelectionButton {
  style: SelectionButtonStyle;
  text: string;
  id: string;
}
export interface IInput {
  formType: FormType;
  required?: boolean | null;
  title: string;
  description?: string | null;
  toggles?: IToggle[] | null;
  skipButtonText?: string | null;
}
export interface SelectionInput extends IInput {
  formType: FormType.SELECTION;
  selectionButtons: ISelectionButton[];
}
export interface SignatureInput extends IInput {
  formType: FormType.SIGNATURE;
  submitButtonText?: string | null;
}
export interface PhoneInput extends IInput {
  formType: FormType.PHONE;
  submitButtonText?: string | null;
}
export interface EmailInput extends IInput {
  formType: FormType.EMAIL;
  submitButtonText?: string | null;
}
export interface TextInput extends IInput {
  formType: FormType.TEXT;
  submitButtonText?: string | null;
}
export interface NumericInput extends IInput {
  formType: FormType.NUMERIC;
  submitButtonText?: string | null;
}
export interface ICollectInputsParameters {
  inputs: Array<SelectionInput | SignatureInput | PhoneInput | EmailInput | TextInput | NumericInput | IInput>;
}
export interface ICollectInputsResult {
  formType: FormType;
  skipped: boolean;
  toggles: ToggleResult[];
  selection?: string | null;
  selectionId?: string | null;
  signatureSvg?: string | null;
  phone?: string | null;
  email?: string | null;
  text?: string | null;
  numericString?: string | null;
}

export interface SimulatorConfiguration {
  testCardNumber?: string | null;
  testPaymentMethod?: string | null;
  tipAmount?: number | null;
  /** 0.26.0 types only 'interac_present' (card_present is the default when unset). */
  paymentMethodType?: 'interac_present' | null;
  /** The enums' string values are accepted too (`setSimulatorConfiguration` takes `any`, as 0.26.0 does). */
  collectInputsResult?: {
    resultType: SimulatedCollectInputsResultType;
    skipBehavior?: SimulatedCollectInputsSkipBehavior;
  } | null;
}

export interface Terminal {
  getConnectionStatus(): ConnectionStatus;
  getPaymentStatus(): PaymentStatus;
  discoverReaders(config?: DiscoveryConfig): Promise<DiscoverResult | ErrorResponse>;
  connectReader(reader: Reader, connectOptions?: ConnectOptions): Promise<{ reader: Reader } | ErrorResponse>;
  getConnectedReader(): Reader;
  /** Never an ErrorResponse (0.26.0 types it `Promise<IDisconnectResponse>`): a failure to end the session is logged. */
  disconnectReader(): Promise<IDisconnectResponse>;
  clearCachedCredentials(): Promise<Record<string, never> | ErrorResponse>;
  setReaderDisplay(request: ISetReaderDisplayRequest): Promise<Record<string, never> | ErrorResponse>;
  clearReaderDisplay(): Promise<Record<string, never> | ErrorResponse>;
  collectInputs(params: ICollectInputsParameters): Promise<ICollectInputsResult[] | ErrorResponse>;
  cancelCollectInputs(): Promise<Record<string, never> | ErrorResponse>;
  collectPaymentMethod(
    request: string,
    options?: CollectPaymentMethodOptions,
  ): Promise<{ paymentIntent: ISdkManagedPaymentIntent } | ErrorResponse>;
  cancelCollectPaymentMethod(): Promise<Record<string, never> | ErrorResponse>;
  processPayment(
    request: ISdkManagedPaymentIntent | IPaymentIntent,
    options?: ProcessPaymentOptions,
  ): Promise<{ paymentIntent: IPaymentIntent } | ErrorResponse>;
  cancelProcessPayment(): Promise<Record<string, never> | ErrorResponse>;
  collectSetupIntentPaymentMethod(
    clientSecret: string,
    customerConsentCollectedOrAllowRedisplay: boolean | AllowRedisplay,
    config?: ISetupIntentConfig | null,
  ): Promise<{ setupIntent: ISetupIntent } | ErrorResponse>;
  cancelCollectSetupIntentPaymentMethod(): Promise<Record<string, never> | ErrorResponse>;
  confirmSetupIntent(setupIntent: ISetupIntent): Promise<{ setupIntent: ISetupIntent } | ErrorResponse>;
  cancelConfirmSetupIntent(): Promise<Record<string, never> | ErrorResponse>;
  collectRefundPaymentMethod(
    chargeId: string,
    amount: number,
    currency: string,
    options?: RefundOptions,
    config?: { enable_customer_cancellation?: boolean | null },
  ): Promise<Record<string, never> | ErrorResponse>;
  cancelCollectRefundPaymentMethod(): Promise<Record<string, never> | ErrorResponse>;
  processRefund(): Promise<{ refund: IRefund } | ErrorResponse>;
  cancelProcessRefund(): Promise<Record<string, never> | ErrorResponse>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Stripe types it `any`
  setSimulatorConfiguration(config: any): void;
  getSimulatorConfiguration(): SimulatorConfiguration;
  overrideBaseURL(url: string): void;
  readReusableCard(options?: {
    customer?: string;
  }): Promise<{ payment_method: IPaymentMethodReadReusableResponse } | ErrorResponse>;
  cancelReadReusableCard(): Promise<Record<string, never> | ErrorResponse>;
  setReaderSettings(request: ISetReaderSettingsRequest): Promise<IReaderSettings | ErrorResponse>;
  getReaderSettings(): Promise<IReaderSettings | ErrorResponse>;
  print(content: unknown): Promise<Record<string, never> | ErrorResponse>;
}

export type ITextToSpeechStatus = 'off' | 'headphones' | 'speakers';
export interface ISetReaderSettingsRequest {
  accessibility_parameters?: { enableTextToSpeechSpeakers: boolean } | null;
}
export interface IReaderSettings {
  /** Never an error in OpenTill (0.26.0 allows an `IErrorResponse` here). */
  accessibilitySettings: { textToSpeechStatus: ITextToSpeechStatus };
}

export interface StripeTerminal {
  create(props: TerminalProps): Terminal;
  PaymentStatus: typeof PaymentStatus;
  ConnectionStatus: typeof ConnectionStatus;
  OutputLogLevel: typeof OutputLogLevel;
}
