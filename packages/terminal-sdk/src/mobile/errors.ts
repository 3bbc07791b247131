/**
 * `StripeError`s: the React Native `ErrorCode` vocabulary (compat/react-native/Errors/ErrorCodes.ts) plus the
 * Tap to Pay codes OpenTill's server answers (docs/tap-to-pay.md), and how a server refusal
 * becomes one. The server's own code is kept in `nativeErrorCode` and its `reason` in `metadata`.
 */
import type { TransportFailure } from '../transport.js';
import type { ApiErrorInformation, PaymentIntent, StripeError } from './types.js';

export const ErrorCode = {
  // Integration
  CANCEL_FAILED: 'CANCEL_FAILED',
  NOT_CONNECTED_TO_READER: 'NOT_CONNECTED_TO_READER',
  ALREADY_CONNECTED_TO_READER: 'ALREADY_CONNECTED_TO_READER',
  CONFIRM_INVALID_PAYMENT_INTENT: 'CONFIRM_INVALID_PAYMENT_INTENT',
  INVALID_CLIENT_SECRET: 'INVALID_CLIENT_SECRET',
  UNSUPPORTED_OPERATION: 'UNSUPPORTED_OPERATION',
  UNEXPECTED_OPERATION: 'UNEXPECTED_OPERATION',
  MISSING_REQUIRED_PARAMETER: 'MISSING_REQUIRED_PARAMETER',
  INVALID_REQUIRED_PARAMETER: 'INVALID_REQUIRED_PARAMETER',
  // User
  CANCELED: 'CANCELED',
  CARD_READ_TIMED_OUT: 'CARD_READ_TIMED_OUT',
  // Reader
  READER_BUSY: 'READER_BUSY',
  READER_COMMUNICATION_ERROR: 'READER_COMMUNICATION_ERROR',
  GENERIC_READER_ERROR: 'GENERIC_READER_ERROR',
  READER_SOFTWARE_UPDATE_FAILED: 'READER_SOFTWARE_UPDATE_FAILED',
  READER_SOFTWARE_UPDATE_FAILED_BATTERY_LOW: 'READER_SOFTWARE_UPDATE_FAILED_BATTERY_LOW',
  READER_SOFTWARE_UPDATE_FAILED_INTERRUPTED: 'READER_SOFTWARE_UPDATE_FAILED_INTERRUPTED',
  BLUETOOTH_SCAN_TIMED_OUT: 'BLUETOOTH_SCAN_TIMED_OUT',
  USB_DISCOVERY_TIMED_OUT: 'USB_DISCOVERY_TIMED_OUT',
  // collectInputs, collectData, print
  COLLECT_INPUTS_INVALID_PARAMETER: 'COLLECT_INPUTS_INVALID_PARAMETER',
  COLLECT_INPUTS_UNSUPPORTED: 'COLLECT_INPUTS_UNSUPPORTED',
  COLLECT_INPUTS_TIMED_OUT: 'COLLECT_INPUTS_TIMED_OUT',
  READER_SETTINGS_ERROR: 'READER_SETTINGS_ERROR',
  PRINTER_UNAVAILABLE: 'PRINTER_UNAVAILABLE',
  PRINTER_ABSENT: 'PRINTER_ABSENT',
  CONFIRM_INVALID_SETUP_INTENT: 'CONFIRM_INVALID_SETUP_INTENT',
  // Payment, network
  UNEXPECTED_SDK_ERROR: 'UNEXPECTED_SDK_ERROR',
  DECLINED_BY_STRIPE_API: 'DECLINED_BY_STRIPE_API',
  CARD_NOT_SUPPORTED: 'CARD_NOT_SUPPORTED',
  REQUEST_TIMED_OUT: 'REQUEST_TIMED_OUT',
  STRIPE_API_CONNECTION_ERROR: 'STRIPE_API_CONNECTION_ERROR',
  STRIPE_API_ERROR: 'STRIPE_API_ERROR',
  CONNECTION_TOKEN_PROVIDER_ERROR: 'CONNECTION_TOKEN_PROVIDER_ERROR',
  SESSION_EXPIRED: 'SESSION_EXPIRED',
  // Tap to Pay (server refusals, docs/tap-to-pay.md) React Native names
  TAP_TO_PAY_UNSUPPORTED_DEVICE: 'TAP_TO_PAY_UNSUPPORTED_DEVICE',
  TAP_TO_PAY_UNSUPPORTED_PROCESSOR: 'TAP_TO_PAY_UNSUPPORTED_PROCESSOR',
  TAP_TO_PAY_UNSUPPORTED_ANDROID_VERSION: 'TAP_TO_PAY_UNSUPPORTED_ANDROID_VERSION',
  TAP_TO_PAY_DEVICE_TAMPERED: 'TAP_TO_PAY_DEVICE_TAMPERED',
  TAP_TO_PAY_NFC_DISABLED: 'TAP_TO_PAY_NFC_DISABLED',
  TAP_TO_PAY_DEBUG_NOT_SUPPORTED: 'TAP_TO_PAY_DEBUG_NOT_SUPPORTED',
  TAP_TO_PAY_INSECURE_ENVIRONMENT: 'TAP_TO_PAY_INSECURE_ENVIRONMENT',
  // Offline (React Native's names, docs/offline.md)
  AMOUNT_EXCEEDS_MAX_OFFLINE_AMOUNT: 'AMOUNT_EXCEEDS_MAX_OFFLINE_AMOUNT',
  OFFLINE_PAYMENTS_DATABASE_TOO_LARGE: 'OFFLINE_PAYMENTS_DATABASE_TOO_LARGE',
  INVALID_OFFLINE_CURRENCY: 'INVALID_OFFLINE_CURRENCY',
  INTERAC_NOT_SUPPORTED_OFFLINE: 'INTERAC_NOT_SUPPORTED_OFFLINE',
  ONLINE_PIN_NOT_SUPPORTED_OFFLINE: 'ONLINE_PIN_NOT_SUPPORTED_OFFLINE',
  FORCE_OFFLINE_WITH_FEATURE_DISABLED: 'FORCE_OFFLINE_WITH_FEATURE_DISABLED',
  NOT_CONNECTED_TO_INTERNET_AND_REQUIRE_ONLINE_SET: 'NOT_CONNECTED_TO_INTERNET_AND_REQUIRE_ONLINE_SET',
  CONNECTION_TOKEN_PROVIDER_ERROR_WHILE_FORWARDING: 'CONNECTION_TOKEN_PROVIDER_ERROR_WHILE_FORWARDING',
  OFFLINE_ENCRYPTION_KEYS_UNAVAILABLE: 'OFFLINE_ENCRYPTION_KEYS_UNAVAILABLE',
  MISSING_EMV_DATA: 'MISSING_EMV_DATA',
  ACCOUNT_ID_MISMATCH_WHILE_FORWARDING: 'ACCOUNT_ID_MISMATCH_WHILE_FORWARDING',
  READER_CONNECTION_NOT_AVAILABLE_OFFLINE: 'READER_CONNECTION_NOT_AVAILABLE_OFFLINE',
  LOCATION_CONNECTION_NOT_AVAILABLE_OFFLINE: 'LOCATION_CONNECTION_NOT_AVAILABLE_OFFLINE',
  TAP_TO_PAY_LIBRARY_NOT_INCLUDED: 'TAP_TO_PAY_LIBRARY_NOT_INCLUDED',
  FEATURE_NOT_ENABLED_ON_ACCOUNT: 'FEATURE_NOT_ENABLED_ON_ACCOUNT',
  MISSING_PREREQUISITE: 'MISSING_PREREQUISITE',
} as const;

/** React Native's `ErrorCode` union (a subset: the codes OpenTill answers). */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/**
 * Tap to Pay refusals the server names more precisely than React Native's `ErrorCode` union can
 * (docs/tap-to-pay.md): `code` is React Native's nearest code, `nativeErrorCode` the server's
 * (as the native SDKs' own codes reach React Native). docs/decisions.md lists the choices.
 */
export const nativeTapToPayCodes: Readonly<Record<string, ErrorCode>> = {
  TAP_TO_PAY_UNSUPPORTED_OS_VERSION: ErrorCode.TAP_TO_PAY_UNSUPPORTED_DEVICE,
  TAP_TO_PAY_INCONSISTENT_DEVICE_FACTS: ErrorCode.TAP_TO_PAY_DEVICE_TAMPERED,
  ATTESTATION_FAILURE: ErrorCode.TAP_TO_PAY_DEVICE_TAMPERED,
  TAP_TO_PAY_MISSING_ENTITLEMENT: ErrorCode.TAP_TO_PAY_LIBRARY_NOT_INCLUDED,
  TAP_TO_PAY_PASSCODE_NOT_ENABLED: ErrorCode.TAP_TO_PAY_INSECURE_ENVIRONMENT,
  TAP_TO_PAY_UNSUPPORTED_COUNTRY: ErrorCode.FEATURE_NOT_ENABLED_ON_ACCOUNT,
  TAP_TO_PAY_COUNTRY_BETA_NOT_ENABLED: ErrorCode.FEATURE_NOT_ENABLED_ON_ACCOUNT,
  TAP_TO_PAY_READER_TOS_NOT_YET_ACCEPTED: ErrorCode.MISSING_PREREQUISITE,
};

const knownCodes: ReadonlySet<string> = new Set(Object.values(ErrorCode));

/** A mobile-vocabulary code (core's device checks, the server) as React Native's. */
export function mobileCodeOf(code: string): ErrorCode {
  return knownCodes.has(code) ? (code as ErrorCode) : (nativeTapToPayCodes[code] ?? ErrorCode.UNEXPECTED_SDK_ERROR);
}

export function stripeError(
  code: ErrorCode,
  message: string,
  extra: Partial<Omit<StripeError, 'name' | 'code' | 'message'>> = {},
): StripeError {
  return {
    name: 'StripeError',
    code,
    nativeErrorCode: extra.nativeErrorCode ?? code,
    message,
    metadata: extra.metadata ?? {},
    ...(extra.paymentIntent ? { paymentIntent: extra.paymentIntent } : {}),
    ...(extra.apiError ? { apiError: extra.apiError } : {}),
  };
}

/** Server codes of the SDK endpoints (docs/sdk.md) that have a React Native code. */
const serverCodes: Readonly<Record<string, ErrorCode>> = {
  no_established_connection: ErrorCode.NOT_CONNECTED_TO_READER,
  already_connected: ErrorCode.ALREADY_CONNECTED_TO_READER,
  terminal_reader_busy: ErrorCode.READER_BUSY,
  terminal_reader_offline: ErrorCode.READER_COMMUNICATION_ERROR,
  terminal_reader_timeout: ErrorCode.REQUEST_TIMED_OUT,
  reader_error: ErrorCode.GENERIC_READER_ERROR,
  invalid_payment_intent_client_secret: ErrorCode.INVALID_CLIENT_SECRET,
  invalid_setup_intent_client_secret: ErrorCode.INVALID_CLIENT_SECRET,
  invalid_argument: ErrorCode.INVALID_REQUIRED_PARAMETER,
  parameter_missing: ErrorCode.MISSING_REQUIRED_PARAMETER,
  intent_invalid_state: ErrorCode.UNEXPECTED_OPERATION,
  card_declined: ErrorCode.DECLINED_BY_STRIPE_API,
  expired_card: ErrorCode.DECLINED_BY_STRIPE_API,
  incorrect_cvc: ErrorCode.DECLINED_BY_STRIPE_API,
  processing_error: ErrorCode.DECLINED_BY_STRIPE_API,
  sdk_session_expired: ErrorCode.SESSION_EXPIRED,
  sdk_session_invalid: ErrorCode.CONNECTION_TOKEN_PROVIDER_ERROR,
  invalid_connection_token: ErrorCode.CONNECTION_TOKEN_PROVIDER_ERROR,
  failed_fetch_connection_token: ErrorCode.CONNECTION_TOKEN_PROVIDER_ERROR,
  connection_error: ErrorCode.STRIPE_API_CONNECTION_ERROR,
};

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** The API error details of a server error (React Native's `apiError`). */
export function apiErrorOf(error: Record<string, unknown>): ApiErrorInformation {
  const param = text(error['param']);
  const charge = text(error['charge']);
  const type = text(error['type']);
  const docUrl = text(error['doc_url']);
  return {
    code: text(error['code']) ?? '',
    message: text(error['message']) ?? '',
    declineCode: text(error['decline_code']) ?? '',
    ...(type ? { type } : {}),
    ...(param ? { param } : {}),
    ...(charge ? { charge } : {}),
    ...(docUrl ? { docUrl } : {}),
  };
}

/** A failed call as a `StripeError`. Upper-case server codes are already mobile codes and pass through. */
export function fromFailure(failure: TransportFailure, paymentIntent?: PaymentIntent): StripeError {
  if (failure.kind === 'network') return stripeError(ErrorCode.STRIPE_API_CONNECTION_ERROR, failure.error.message);
  if (failure.kind === 'timeout') return stripeError(ErrorCode.REQUEST_TIMED_OUT, failure.error.message);
  if (failure.kind === 'token') {
    return stripeError(ErrorCode.CONNECTION_TOKEN_PROVIDER_ERROR, failure.error.message, {
      metadata: failure.status ? { httpStatusCode: failure.status } : {},
    });
  }
  const error = failure.error;
  const serverCode = error.code;
  const code: ErrorCode = /^[A-Z][A-Z0-9_]*$/.test(serverCode)
    ? mobileCodeOf(serverCode)
    : (serverCodes[serverCode] ??
      (error['type'] === 'card_error'
        ? ErrorCode.DECLINED_BY_STRIPE_API
        : typeof error['param'] === 'string'
          ? ErrorCode.INVALID_REQUIRED_PARAMETER
          : ErrorCode.STRIPE_API_ERROR));
  const metadata: Record<string, unknown> = { httpStatusCode: failure.status };
  for (const key of ['reason', 'field', 'causes'] as const) if (error[key] !== undefined) metadata[key] = error[key];
  if (failure.requestId) metadata['stripeAPIRequestId'] = failure.requestId;
  // Mobile-vocabulary refusals (device, country, PIN environment) are not API errors; the rest are.
  const isApiError = !/^[A-Z][A-Z0-9_]*$/.test(serverCode) || code === ErrorCode.CARD_NOT_SUPPORTED;
  return stripeError(code, error.message, {
    nativeErrorCode: serverCode,
    metadata,
    ...(paymentIntent ? { paymentIntent } : {}),
    ...(isApiError ? { apiError: apiErrorOf(error) } : {}),
  });
}
