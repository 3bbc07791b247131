/**
 * Server objects (snake_case, Stripe's API shapes) to React Native's camelCase types, and React
 * Native parameters to the server's. Pure functions.
 */
import type { Json } from '../transport.js';
import type {
  ApiErrorInformation,
  CardPresentDetails,
  CreatePaymentIntentParams,
  PaymentIntent,
  PaymentIntentStatus,
  PaymentMethod,
  Reader,
} from './types.js';

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const num = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);

/** `requires_payment_method` → `requiresPaymentMethod`. */
export function camel(value: string): string {
  return value.replace(/_([a-z])/g, (_match, letter: string) => letter.toUpperCase());
}

const intentStatuses: readonly PaymentIntentStatus[] = [
  'canceled',
  'processing',
  'requiresAction',
  'requiresCapture',
  'requiresConfirmation',
  'requiresPaymentMethod',
  'requiresReauthorization',
  'succeeded',
];

/** Only the fields the server gave (React Native's optional fields are absent, never null). */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

const seconds = (value: unknown): string | undefined => (typeof value === 'number' ? String(value) : undefined);

/** The server's PaymentIntent as React Native's, under the handle `sdkUuid`. */
export function paymentIntentFrom(api: Json, sdkUuid: string, paymentMethod: PaymentMethod | null): PaymentIntent {
  const status = camel(text(api['status']) ?? 'unknown') as PaymentIntentStatus;
  const lastError = api['last_payment_error'] as Json | null | undefined;
  const paymentMethodId =
    typeof api['payment_method'] === 'string'
      ? api['payment_method']
      : text((api['payment_method'] as Json | null | undefined)?.['id']);
  const latestCharge =
    typeof api['latest_charge'] === 'string'
      ? api['latest_charge']
      : text((api['latest_charge'] as Json | null | undefined)?.['id']);
  return defined<PaymentIntent>({
    id: text(api['id']) ?? '',
    sdkUuid,
    amount: num(api['amount']) ?? 0,
    amountCapturable: num(api['amount_capturable']),
    amountReceived: num(api['amount_received']),
    amountTip: num(((api['amount_details'] as Json | undefined)?.['tip'] as Json | undefined)?.['amount']),
    applicationFeeAmount: num(api['application_fee_amount']),
    canceledAt: seconds(api['canceled_at']),
    cancellationReason: text(api['cancellation_reason']),
    captureMethod: text(api['capture_method']) ?? 'automatic',
    charges: [],
    clientSecret: text(api['client_secret']),
    confirmationMethod: text(api['confirmation_method']),
    created: seconds(api['created']) ?? '0',
    currency: text(api['currency']) ?? '',
    customer: text(api['customer']),
    description: text(api['description']),
    livemode: api['livemode'] === true,
    metadata: (api['metadata'] ?? {}) as Record<string, string>,
    onBehalfOf: text(api['on_behalf_of']),
    paymentMethod: paymentMethod ?? undefined,
    paymentMethodId,
    receiptEmail: text(api['receipt_email']),
    lastPaymentError: lastError ? apiErrorInformation(lastError) : undefined,
    setupFutureUsage: text(api['setup_future_usage']),
    statementDescriptor: text(api['statement_descriptor']),
    statementDescriptorSuffix: text(api['statement_descriptor_suffix']),
    status: intentStatuses.includes(status) ? status : 'unknown',
    transferGroup: text(api['transfer_group']),
    latestChargeId: latestCharge,
    apiObject: api,
  });
}

function apiErrorInformation(error: Json): ApiErrorInformation {
  const type = text(error['type']);
  const charge = text(error['charge']);
  return {
    code: text(error['code']) ?? '',
    message: text(error['message']) ?? '',
    declineCode: text(error['decline_code']) ?? '',
    ...(type ? { type } : {}),
    ...(charge ? { charge } : {}),
  };
}

/** What the server knows of the card; the rest of React Native's fields stay absent (see types.ts). */
function cardDetails(card: Json): CardPresentDetails {
  const wallet = card['wallet'] as Json | null | undefined;
  const month = num(card['exp_month']);
  const year = num(card['exp_year']);
  return defined({
    last4: text(card['last4']),
    expMonth: month === undefined ? undefined : String(month),
    expYear: year === undefined ? undefined : String(year),
    brand: text(card['brand']),
    funding: text(card['funding']),
    network: text(card['network']),
    country: text(card['country']),
    cardholderName: text(card['cardholder_name']),
    iin: text(card['iin']),
    issuer: text(card['issuer']),
    description: text(card['description']),
    preferredLocales: Array.isArray(card['preferred_locales']) ? (card['preferred_locales'] as string[]) : undefined,
    wallet: wallet && typeof wallet['type'] === 'string' ? { type: wallet['type'] } : undefined,
    readMethod: text(card['read_method']),
  }) as unknown as CardPresentDetails;
}

export function paymentMethodFrom(api: Json): PaymentMethod {
  const cardPresent = api['card_present'] as Json | undefined;
  const interacPresent = api['interac_present'] as Json | undefined;
  return defined({
    id: text(api['id']) ?? '',
    type: camel(text(api['type']) ?? 'card_present'),
    customer: text(api['customer']),
    livemode: api['livemode'] === true,
    metadata: (api['metadata'] ?? {}) as Record<string, string>,
    cardPresentDetails: cardPresent ? cardDetails(cardPresent) : undefined,
    interacPresentDetails: interacPresent ? cardDetails(interacPresent) : undefined,
  }) as unknown as PaymentMethod;
}

/** The server's `terminal.reader` for this phone as React Native's `Reader.Type`. */
export function readerFrom(api: Json, simulated: boolean): Reader {
  const location = text(api['location']);
  return {
    id: text(api['id']) ?? '',
    serialNumber: text(api['serial_number']) ?? '',
    deviceType: 'tapToPay',
    simulated,
    label: text(api['label']),
    locationId: location,
    locationStatus: location ? 'set' : 'notSet',
    batteryStatus: 'unknown',
    status: api['status'] === 'offline' ? 'offline' : 'online',
    deviceSoftwareVersion: text(api['device_sw_version']),
    ipAddress: text(api['ip_address']),
    livemode: api['livemode'] === true,
    apiObject: api,
  };
}

const wireMethodTypes: Readonly<Record<string, string>> = {
  card: 'card',
  cardPresent: 'card_present',
  interacPresent: 'interac_present',
  wechatPay: 'wechat_pay',
  affirm: 'affirm',
  paynow: 'paynow',
  paypay: 'paypay',
  klarna: 'klarna',
};

/** React Native's `CreatePaymentIntentParams` as the body of `POST /payment_intents`. */
export function createPaymentIntentBody(params: CreatePaymentIntentParams): Json {
  const body: Json = {
    amount: params.amount,
    currency: params.currency,
    payment_method_types: (params.paymentMethodTypes ?? ['cardPresent']).map((type) => wireMethodTypes[type] ?? type),
  };
  const fields: Array<[keyof CreatePaymentIntentParams, string]> = [
    ['captureMethod', 'capture_method'],
    ['setupFutureUsage', 'setup_future_usage'],
    ['onBehalfOf', 'on_behalf_of'],
    ['applicationFeeAmount', 'application_fee_amount'],
    ['description', 'description'],
    ['statementDescriptor', 'statement_descriptor'],
    ['statementDescriptorSuffix', 'statement_descriptor_suffix'],
    ['receiptEmail', 'receipt_email'],
    ['customer', 'customer'],
    ['transferGroup', 'transfer_group'],
    ['metadata', 'metadata'],
  ];
  for (const [from, to] of fields) if (params[from] !== undefined) body[to] = params[from];
  return body;
}
